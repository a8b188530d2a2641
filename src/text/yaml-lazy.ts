/**
 * The yaml package, loaded on first use: plain numbers and JSON input never need it, and a command
 * that prints JSON starts without it. The package ships yaml once, pre-bundled as one file
 * (dist/cli/yaml.cjs, made by scripts/build.mjs): the installed yaml package is 74 files to find and
 * compile (require('yaml') 39-54 ms, the one file 13-18 ms, 2026-12-06). The CLI loads it through its
 * starter (bin/start.cjs), from a code cache; the library requires it; run from the sources (tests,
 * tsx) it is the yaml development dependency.
 */
import { createRequire } from 'node:module';

declare const __BPFMAP_START_MODULE__: string | undefined;
declare const __BPFMAP_YAML_BUNDLE__: string | undefined;

/** The one-file yaml, from this module: dist/src/text/ here, dist/cjs/ in the CommonJS bundle (which sets it). */
const BUNDLE = typeof __BPFMAP_YAML_BUNDLE__ === 'string' ? __BPFMAP_YAML_BUNDLE__ : '../../cli/yaml.cjs';

let cached: typeof import('yaml') | undefined;

export function loadYaml(): typeof import('yaml') {
  if (!cached) {
    const req = createRequire(import.meta.url);
    if (typeof __BPFMAP_START_MODULE__ === 'string') {
      cached = (req(__BPFMAP_START_MODULE__) as { load(bundle: string): unknown }).load('yaml.cjs') as typeof import('yaml');
    } else {
      try {
        cached = req(BUNDLE) as typeof import('yaml');
      } catch (e) {
        if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
        cached = req('yaml') as typeof import('yaml');
      }
    }
  }
  return cached;
}

/**
 * Why a `%YAML 1.1` document is refused: the directive switches the yaml package to YAML 1.1's types,
 * where 2001-12-14 is a date, 1:20 the number 80 and yes true; bpfmap reads YAML 1.2 and guesses neither.
 */
export const YAML_11_REFUSED = 'the %YAML 1.1 directive is not supported: values are read as YAML 1.2, where 2001-12-14, ' +
  '1:20 and yes are text, not a date, 80 and true; remove the directive';

/** One YAML 1.2 document as plain values (a config file); throws the first error, or for a `%YAML 1.1` directive. */
export function parseYaml(text: string, options: { intAsBigInt?: boolean } = {}): unknown {
  const doc = loadYaml().parseDocument(text, { ...options, prettyErrors: false });
  if (doc.errors.length > 0) throw doc.errors[0]!;
  if (doc.directives?.yaml.explicit && doc.directives.yaml.version === '1.1') throw new Error(YAML_11_REFUSED);
  return doc.toJS(options);
}
