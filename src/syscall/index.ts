/**
 * The bpf() syscall layer: one thin wrapper per command, errno mapping, fds, possible CPUs.
 * koffi is loaded on the first call, never at import.
 */
export { SYS_BPF, sysBpfNumber } from './arch.js';
export { BPF_CMD, BPF_PROG_TYPE, BPF_UPDATE, BPF_OBJ_NAME_LEN, progTypeName } from './constants.js';
// Map types and flags are the kernel's, shared with the object reader: one table in src/uapi.
export { BPF_MAP_TYPE, BPF_F, mapTypeName } from '../uapi/map-constants.js';
export type { BpfCmdName } from './constants.js';
export { ERRNO, errnoName, classifyErrno, syscallError } from './errno.js';
export type { ErrorContext } from './errno.js';
export { closeFd } from './fd.js';
export { objGet, objPin } from './obj.js';
export { mapCreate } from './map-create.js';
export type { MapCreateAttr } from './map-create.js';
export {
  mapLookupElem, mapLookupElemInto, mapUpdateElem, mapDeleteElem, mapGetNextKey, mapLookupAndDeleteElem, mapFreeze,
} from './map-elem.js';
export { mapGetNextId, progGetNextId, mapGetFdById, btfGetFdById, progGetFdById } from './ids.js';
export { objGetInfoByFd, btfGetInfoByFd, progGetInfoByFd, progMapIds } from './info.js';
export type { MapInfo, ProgInfo } from './info.js';
export { progLoad } from './prog-load.js';
export type { ProgLoadAttr } from './prog-load.js';
export { btfLoad } from './btf-load.js';
export { mapLookupBatch, mapLookupAndDeleteBatch, mapUpdateBatch, mapDeleteBatch } from './batch.js';
export type { BatchResult } from './batch.js';
export { mapUpdateBatchShared, startBatchThread, batchThreadUseful, batchThreadReady } from './fast-batch-thread.js';
export type { SharedBatchHooks } from './fast-batch-thread.js';
export { adviseHugePages } from './fast-huge-pages.js';
export { mapSysfsFile } from './fast-sysfs-map.js';
export { progTestRun } from './prog-test-run.js';
export type { ProgTestRunResult } from './prog-test-run.js';
export { possibleCpus, parseCpuList, perCpuStride, perCpuValueSize, POSSIBLE_CPUS_PATH } from './cpus.js';
export { ElemHandle } from './elem-handle.js';
export { ensureDefaultBpffs, isBpffs, BPFFS_DEFAULT } from './bpffs.js';
export { flockTryExclusive, flockUnlock } from './flock.js';
export { memoryView } from './binding.js';
export { mmap, munmap, PROT_READ, PROT_WRITE } from './mmap.js';
export { Epoll } from './epoll.js';
export { perfEventOpenBpfOutput, ioctl, PERF_EVENT_IOC_ENABLE, PERF_RECORD, PERF_MMAP } from './perf-event.js';
export { linkGetNextId, linkGetFdById, linkGetInfoByFd, linkCreate, progQuery, attachTypeNumber, linkTypeName, attachTypeName, BPF_LINK_TYPE, BPF_ATTACH_TYPE } from './link.js';
export type { LinkInfo, LinkDetail } from './link.js';
export { netInterfaces } from './netlink.js';
export type { NetInterfaces, XdpAttachment } from './netlink.js';
