/** The error for a write to a frozen map (.rodata of a loaded program, or after MAP_FREEZE). */
import { BpfmapError, ERROR_CODE } from '../errors.js';

export function frozenError(mapName: string, cause?: unknown): BpfmapError {
  const ro = mapName.includes('.rodata');
  const advice = ro
    ? `${mapName.slice(mapName.indexOf('.rodata'))} variables are constants: rebuild or reload the program to change them`
    : 'the map was frozen (MAP_FREEZE): user space can only read it';
  return new BpfmapError(ERROR_CODE.MAP_FROZEN, `map '${mapName}': is frozen (read-only after load); ${advice}`, { cause });
}
