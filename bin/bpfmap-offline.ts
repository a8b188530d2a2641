/** Entry of the offline commands' bundle (dist/cli/offline.cjs); see bin/commands/offline.ts. */
import { main, runWholeCli } from './main.js';
import { exitWhenDone } from './fast-exit.js';
import { offlineCommands } from './commands/offline.js';

main(process.argv.slice(2), offlineCommands, runWholeCli).then(exitWhenDone);
