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
