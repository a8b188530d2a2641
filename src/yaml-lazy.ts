/**
 * The yaml package, loaded on first use: plain numbers and JSON input never need it, and a command
 * that prints JSON starts without it. The CLI bundle points this at a single pre-bundled file
 * (dist/cli/yaml.cjs, see scripts/build.mjs) that loads much faster than the package's ~80 modules.
 */
import { createRequire } from 'node:module';

declare const __BPFMAP_YAML_MODULE__: string | undefined;

let cached: typeof import('yaml') | undefined;

export function loadYaml(): typeof import('yaml') {
  if (!cached) {
    const id = typeof __BPFMAP_YAML_MODULE__ === 'string' ? __BPFMAP_YAML_MODULE__ : 'yaml';
    cached = createRequire(import.meta.url)(id) as typeof import('yaml');
  }
  return cached;
}
