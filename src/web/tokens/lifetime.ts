import { EXPIRATION_PRESETS } from '../../core/expiration.ts';
import { type KindPolicy, longestDays } from '../../core/token-policy.ts';

/** The expiration presets a policy allows: none longer than its longest lifetime, Never only if allowed. */
export function allowedPresets(policy: KindPolicy) {
  const longest = longestDays(policy);
  return EXPIRATION_PRESETS.filter((preset) =>
    preset.days === null ? policy.allow_never : preset.days <= longest,
  );
}
