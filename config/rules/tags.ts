/**
 * Rules on tags, as IAM applies them to every tagged resource we create (S3 and the others
 * accept a superset). Source: IAM API Reference, `Tag` (Key 1-128, Value 0-256, both
 * `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`), and IAM User Guide, "Tagging IAM resources": at most 50 tags
 * per resource, keys compared without regard to case, no `aws:` prefix.
 */
import { TAG_KEY_MAX_LENGTH, TAG_VALUE_MAX_LENGTH } from './limits';
import type { Rule } from './values';

/** Letters, separators (spaces), numbers and `_ . : / = + - @` (IAM's tag pattern). */
export const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Tags on one resource, after the provider's default tags and the resource's own are merged. */
export const MAX_TAGS_PER_RESOURCE = 50;

export const tagKeyRule: Rule<string> = (key) => {
  if (key.length === 0 || key.length > TAG_KEY_MAX_LENGTH) return `tag keys must be 1-${TAG_KEY_MAX_LENGTH} characters (AWS limit)`;
  if (/^aws:/i.test(key)) return 'tag keys must not start with "aws:" (reserved by AWS)';
  if (!TAG_CHARACTERS.test(key)) return 'tag keys may hold only letters, digits, spaces and _ . : / = + - @ (IAM tag rules)';
  return undefined;
};

export const tagValueRule: Rule<string> = (value) => {
  if (value.length > TAG_VALUE_MAX_LENGTH) return `tag values are at most ${TAG_VALUE_MAX_LENGTH} characters (AWS limit)`;
  if (!TAG_CHARACTERS.test(value)) return 'tag values may hold only letters, digits, spaces and _ . : / = + - @ (IAM tag rules)';
  return undefined;
};

/**
 * What is wrong with the tags one resource ends up with (`merged`: every key, after default tags
 * and the resource's own): keys equal but for case, which IAM refuses as duplicates, or more
 * than 50 tags. Each problem names the keys involved.
 */
export function mergedTagsRule(merged: readonly string[]): string[] {
  const problems: string[] = [];
  const byLowerCase = new Map<string, string[]>();
  for (const key of merged) byLowerCase.set(key.toLowerCase(), [...(byLowerCase.get(key.toLowerCase()) ?? []), key]);
  for (const keys of byLowerCase.values()) {
    if (keys.length > 1) problems.push(`tag keys ${keys.map((k) => `"${k}"`).join(' and ')} differ only in case; IAM treats them as the same key and refuses the pair`);
  }
  if (merged.length > MAX_TAGS_PER_RESOURCE) {
    problems.push(`${merged.length} tags on one resource after merging; AWS allows at most ${MAX_TAGS_PER_RESOURCE}`);
  }
  return problems;
}
