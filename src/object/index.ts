export { loadObject, loadObjectFile, type BpfObject } from './object.js';
export { libbpfObjectName, internalMapName } from './global-data.js';
export { loadSource, loadSourceBytes, findMap, readInputFile, type Source } from './source.js';
export { kernelBtfBytes } from './kernel-btf.js';
