import type { Command } from '../spec.js';
import { schemaCommand } from './schema.js';
import { mapsCommand } from './maps.js';
import { typesCommand } from './types.js';
import { templateCommand } from './template.js';
import { encodeCommand } from './encode.js';
import { decodeCommand } from './decode.js';
import { lookupCommand } from './lookup.js';
import { updateCommand } from './update.js';
import { deleteCommand } from './delete.js';
import { dumpCommand } from './dump.js';
import { getnextCommand } from './getnext.js';
import { pushCommand, popCommand, peekCommand } from './queue.js';
import { applyCommand } from './apply.js';
import { createCommand } from './create.js';
import { getCommand } from './get.js';
import { setCommand } from './set.js';
import { editCommand } from './edit.js';
import { listCommand } from './list.js';
import { recoverCommand } from './recover.js';
import { exporterCommand } from './exporter.js';
import { diffCommand } from './diff.js';
import { migrateCommand } from './migrate.js';
import { completionCommand, completeCommand } from './completion.js';

export const commands: Command[] = [
  mapsCommand,
  schemaCommand,
  typesCommand,
  templateCommand,
  encodeCommand,
  decodeCommand,
  lookupCommand,
  updateCommand,
  deleteCommand,
  dumpCommand,
  getnextCommand,
  pushCommand,
  popCommand,
  peekCommand,
  getCommand,
  setCommand,
  editCommand,
  createCommand,
  applyCommand,
  listCommand,
  recoverCommand,
  exporterCommand,
  diffCommand,
  migrateCommand,
  completionCommand,
  completeCommand,
];

import { eventsCommand } from './events.js';
commands.push(eventsCommand);

import { genCommand } from './gen.js';
commands.push(genCommand);
import { snapshotCommand, restoreCommand } from './snapshot.js';
commands.push(snapshotCommand, restoreCommand);
import { agentCommand } from './agent.js';
commands.push(agentCommand);
