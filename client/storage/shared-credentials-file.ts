import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PRIVATE_DIR_MODE, writeFileAtomic } from './atomic-file';
import type { AwsCredentials } from '../credentials/aws-credentials';

const MANAGED_KEYS = ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'] as const;
const EXPIRY_COMMENT = '# oidc-credential-provider: expires ';
const SECTION = /^\s*\[\s*([^\]]+?)\s*\]\s*$/;
const KEY = /^\s*([^=\s]+)\s*=/;

/**
 * Sets one profile's keys in a shared credentials file (INI) and leaves everything else as it was:
 * other profiles, comments, and the profile's own other keys (a `region`, say).
 */
export function upsertProfile(text: string, profile: string, credentials: AwsCredentials): string {
  const lines = text.length > 0 ? text.replace(/\r?\n$/, '').split(/\r?\n/) : [];
  const managed = [
    `${EXPIRY_COMMENT}${credentials.expiration.toISOString()}`,
    `aws_access_key_id = ${credentials.accessKeyId}`,
    `aws_secret_access_key = ${credentials.secretAccessKey}`,
    `aws_session_token = ${credentials.sessionToken}`,
  ];
  const start = lines.findIndex((line) => SECTION.exec(line)?.[1] === profile);
  if (start === -1) {
    const separator = lines.length > 0 && lines[lines.length - 1]!.trim() !== '' ? [''] : [];
    return [...lines, ...separator, `[${profile}]`, ...managed].join('\n') + '\n';
  }
  let end = start + 1;
  while (end < lines.length && !SECTION.test(lines[end]!)) end++;
  const kept = lines.slice(start + 1, end).filter((line) => {
    if (line.startsWith(EXPIRY_COMMENT)) return false;
    const key = KEY.exec(line)?.[1]?.toLowerCase();
    return !(key && (MANAGED_KEYS as readonly string[]).includes(key));
  });
  // Blank lines that separated this section from the next stay after it.
  const trailingBlank: string[] = [];
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') trailingBlank.unshift(kept.pop()!);
  return [...lines.slice(0, start + 1), ...managed, ...kept, ...trailingBlank, ...lines.slice(end)].join('\n') + '\n';
}

/** Reads the file ('' when absent), updates one profile and replaces the file atomically, 0600. */
export function writeProfile(path: string, profile: string, credentials: AwsCredentials): boolean {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const next = upsertProfile(current, profile, credentials);
  if (next === current) return false;
  // A missing ~/.aws is created owner-only; an existing directory's mode is the owner's choice.
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  writeFileAtomic(path, next);
  return true;
}
