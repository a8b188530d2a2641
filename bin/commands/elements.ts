/**
 * The commands that read or write single entries of a live map. The CLI runs them from a bundle of
 * their own (dist/cli/elements.cjs, see scripts/build.mjs and bin/start.cjs), which holds none of the
 * apply, agent, exporter, migrate or events code.
 */
import type { Command } from '../spec.js';
import { lookupCommand } from './lookup.js';
import { updateCommand } from './update.js';
import { deleteCommand } from './delete.js';
import { dumpCommand } from './dump.js';
import { getnextCommand } from './getnext.js';
import { pushCommand, popCommand, peekCommand } from './queue.js';
import { getCommand } from './get.js';
import { setCommand } from './set.js';

export { lookupCommand, updateCommand, deleteCommand, dumpCommand, getnextCommand, pushCommand, popCommand, peekCommand, getCommand, setCommand };
export const elementCommands: readonly Command[] = [
  lookupCommand, updateCommand, deleteCommand, dumpCommand, getnextCommand, pushCommand, popCommand, peekCommand, getCommand, setCommand,
];
