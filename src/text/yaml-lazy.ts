/**
 * The yaml package, loaded on first use: plain numbers and JSON input never need it, and a command
 * that prints JSON starts without it. The CLI bundle could point this at a pre-bundled copy
 * (__BPFMAP_YAML_MODULE__); it uses the installed package, so that the package ships yaml once.
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
