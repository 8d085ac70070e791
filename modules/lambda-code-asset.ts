import { AssetType, TerraformAsset } from 'cdktf';
import type { Construct } from 'constructs';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// cdktf's own helpers behind AssetType.ARCHIVE (cdktf 0.21 lib/private/fs), so the asset hash,
// and so the synthesized `assets/<id>/<hash>/archive.zip` path, are exactly what ARCHIVE gives.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdktfFs = require('cdktf/lib/private/fs') as {
  /** MD5 over the contents of every file under `src`, first 32 hex digits, upper case. */
  hashPath(src: string): string;
  /** Zips `src` into `dest` by running a second Node process (archiver is asynchronous). */
  archiveSync(src: string, dest: string): void;
};

/**
 * A Lambda's code directory as a zip asset, the same as `TerraformAsset` with
 * `AssetType.ARCHIVE` (same hash, same path in the synthesized JSON), for a directory whose
 * contents never change under its name (a content-addressed bundle cache): the zip is made once,
 * beside it as `<directory>.archive/archive.zip`, instead of by a Node subprocess at every synth
 * (0.2 s or more of each Cognito synth, bench/synth.ts).
 */
export function cachedArchiveAsset(scope: Construct, id: string, directory: string): TerraformAsset {
  const assetHash = cdktfFs.hashPath(directory);
  const archiveDir = `${directory}.archive`;
  const archive = join(archiveDir, 'archive.zip');
  if (!existsSync(archive)) {
    // Made aside and renamed into place, so a concurrent synth never sees half a zip.
    const staging = mkdtempSync(`${archiveDir}.tmp-`);
    try {
      cdktfFs.archiveSync(directory, join(staging, 'archive.zip'));
      renameSync(staging, archiveDir);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(archive)) throw error; // else another synth got there first
    }
  }
  return new TerraformAsset(scope, id, { path: archive, type: AssetType.FILE, assetHash });
}
