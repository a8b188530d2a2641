/** bpfmap agent: one process per node that keeps an object's maps equal to a state, and reports. */
export { startAgent } from './agent.js';
export type { Agent, AgentEvent, AgentOptions } from './agent.js';
export { AgentMetrics } from './metrics.js';
export type { ErrorKind } from './metrics.js';
export type { Probe } from './server.js';
export { expandEnv } from './env.js';
export { readStateFiles, parseStateFiles, stateVersion } from './state-source.js';
export type { StateFiles } from './state-source.js';
