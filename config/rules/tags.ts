/** Rules on tags, as IAM and S3 apply them to every tagged resource we create. */
import { TAG_KEY_MAX_LENGTH, TAG_VALUE_MAX_LENGTH } from './limits';
import type { Rule } from './values';

export const tagKeyRule: Rule<string> = (key) => {
  if (key.length === 0 || key.length > TAG_KEY_MAX_LENGTH) return `tag keys must be 1-${TAG_KEY_MAX_LENGTH} characters (AWS limit)`;
  if (/^aws:/i.test(key)) return 'tag keys must not start with "aws:" (reserved by AWS)';
  return undefined;
};

export const tagValueRule: Rule<string> = (value) =>
  value.length > TAG_VALUE_MAX_LENGTH ? `tag values are at most ${TAG_VALUE_MAX_LENGTH} characters (AWS limit)` : undefined;
