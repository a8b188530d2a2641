/** bpf() calls made by one apply, counted where they are made (the proof of "writes nothing"). */
export interface ApplyStats {
  lookupBatch: number;
  lookupElem: number;
  getNextKey: number;
  updateBatch: number;
  updateElem: number;
  deleteBatch: number;
  deleteElem: number;
  /** Of the updateBatch calls, those the second writing thread made (a big write: fast-batch-thread.ts). */
  updateBatchSecondThread: number;
  /** Entries the kernel accepted (updates, including rollback writes). */
  entriesWritten: number;
  /** Entries removed (deletes, including rollback deletes). */
  entriesDeleted: number;
}

export function newStats(): ApplyStats {
  return { lookupBatch: 0, lookupElem: 0, getNextKey: 0, updateBatch: 0, updateElem: 0, deleteBatch: 0, deleteElem: 0,
    updateBatchSecondThread: 0, entriesWritten: 0, entriesDeleted: 0 };
}

/** Update and delete syscalls, batch or single. */
export function writeCalls(s: ApplyStats): number {
  return s.updateBatch + s.updateElem + s.deleteBatch + s.deleteElem;
}
