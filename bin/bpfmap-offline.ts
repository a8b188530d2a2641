/** Entry of the offline commands' bundle (dist/cli/offline.cjs); see bin/commands/offline.ts. */
import { main, runWholeCli } from './main.js';
import { offlineCommands } from './commands/offline.js';

main(process.argv.slice(2), offlineCommands, runWholeCli).then((code) => { if (code !== undefined) process.exitCode = code; });
