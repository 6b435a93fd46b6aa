/** Runs svscan-owner (see svscan-owner.ts): the program root svscan starts for each owner. */
import { main } from './svscan-owner.js';

process.exit(await main(process.argv.slice(2)));
