/** Every command, in the order `bpfmap --help` lists them. */
import type { Command } from '../spec.js';
import { mapsCommand, schemaCommand, typesCommand, templateCommand, genCommand } from './offline.js';
import { lookupCommand, updateCommand, deleteCommand, dumpCommand, getnextCommand, pushCommand, popCommand, peekCommand, getCommand, setCommand, encodeCommand, decodeCommand } from './elements.js';
import { applyCommand } from './apply.js';
import { createCommand } from './create.js';
import { editCommand } from './edit.js';
import { listCommand } from './list.js';
import { recoverCommand } from './recover.js';
import { exporterCommand } from './exporter.js';
import { diffCommand } from './diff.js';
import { migrateCommand } from './migrate.js';
import { completionCommand, completeCommand } from './completion.js';
import { eventsCommand } from './events.js';
import { snapshotCommand, restoreCommand } from './snapshot.js';
import { agentCommand } from './agent.js';

export const commands: readonly Command[] = [
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
  eventsCommand,
  genCommand,
  snapshotCommand,
  restoreCommand,
  agentCommand,
];
