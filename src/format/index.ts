export { writeTypesJson, writeTypesJsonBytes, typesJson, type TypeJson } from './fast-types-json.js';
export { formatTypesC } from './format-c.js';
export { seedFormat } from './seed-format.js';
