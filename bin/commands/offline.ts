/**
 * The commands that read only the object (no kernel). The CLI runs them from a bundle of their own
 * (dist/cli/offline.cjs, see scripts/build.mjs and bin/start.cjs), which holds none of the kernel,
 * apply, agent or exporter code: less to read and compile at every start.
 */
import type { Command } from '../spec.js';
import { mapsCommand } from './maps.js';
import { schemaCommand } from './schema.js';
import { typesCommand } from './types.js';
import { templateCommand } from './template.js';
import { genCommand } from './gen.js';

export { mapsCommand, schemaCommand, typesCommand, templateCommand, genCommand };
export const offlineCommands: readonly Command[] = [mapsCommand, schemaCommand, typesCommand, templateCommand, genCommand];
