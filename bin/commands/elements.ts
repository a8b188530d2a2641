/**
 * The commands that read or write single entries of a live map, and encode and decode (one key or
 * value, no kernel). The CLI runs them from a bundle of their own (dist/cli/elements.cjs, see
 * scripts/build.mjs and bin/start.cjs), which holds none of the apply, agent, exporter, migrate or
 * events code. encode and decode run the same key and value code as lookup and update: the build's
 * runs of them put that code in the bundle's code cache (a lookup cannot run there: no kernel).
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
import { encodeCommand } from './encode.js';
import { decodeCommand } from './decode.js';

export { lookupCommand, updateCommand, deleteCommand, dumpCommand, getnextCommand, pushCommand, popCommand, peekCommand, getCommand, setCommand, encodeCommand, decodeCommand };
export const elementCommands: readonly Command[] = [
  lookupCommand, updateCommand, deleteCommand, dumpCommand, getnextCommand, pushCommand, popCommand, peekCommand, getCommand, setCommand,
  encodeCommand, decodeCommand,
];
