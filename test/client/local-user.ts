// A second, unprivileged local user for the tests that play an attacker or an operator whose
// account cannot read the host's files: created with useradd when missing (the tests run as
// root in CI), and commands run as that user through setpriv.
import { execFileSync } from 'node:child_process';

export interface LocalUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** `setpriv` arguments that run what follows as this user, with no supplementary groups. */
  readonly asUser: readonly string[];
}

function lookup(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** The unprivileged user `name`, created if missing. Needs root, as the CI runner is. */
export function unprivilegedUser(name = 'oidc-s3-other'): LocalUser {
  if (process.getuid?.() !== 0) {
    throw new Error(`these tests act as a second local user and need root to create and switch to it (run as root, as .ci/run does)`);
  }
  let found = lookup(name);
  if (!found) {
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], { stdio: 'pipe' });
    } catch {
      // Another test file created it at the same moment; the lookup below decides.
    }
    found = lookup(name);
    if (!found) throw new Error(`could not create the local user ${name}`);
  }
  return { name, ...found, asUser: ['setpriv', `--reuid=${found.uid}`, `--regid=${found.gid}`, '--clear-groups', '--'] };
}
