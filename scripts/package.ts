// `npm run package`: dist/oidc-s3-client_<version>_all.deb (see packaging/deb.ts).
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT } from '../modules/bundle';
import { buildDeb } from '../packaging/deb';

const deb = buildDeb();
console.log(`${relative(REPO_ROOT, deb.path)}\t${(statSync(deb.path).size / 1024).toFixed(0)} KiB\tcommands: ${deb.commands.join(', ')}`);
