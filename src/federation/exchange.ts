import { decodeJwt, errors, type JWTPayload, jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import type { AuditLog, AuditTarget } from '../audit/index.ts';
import type { Clock } from '../platform/clock.ts';
import { AppError } from '../platform/errors.ts';
import type { Database, TrustCondition } from '../platform/schema.ts';
import type { TokenService } from '../tokens/index.ts';
import { conditionHolds, failedConditions } from './conditions.ts';
import { type IssuerKeys, IssuerUnreachable } from './issuer-keys.ts';
import { policiesOfIssuer, spendJti } from './queries.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A JWT this long is not a CI platform's. */
const MAX_JWT_LENGTH = 16 * 1024;
/** Clocks of CI runners and of Tessera may differ this much, in seconds. */
const CLOCK_TOLERANCE_S = 60;
/** Signatures by a public key only: a shared secret would be one the issuer shares with everyone. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Claims kept on an issued token besides those the policy's conditions name: who ran what, where. */
const KEPT_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'jti',
  'repository',
  'ref',
  'sha',
  'workflow',
  'workflow_ref',
  'job_workflow_ref',
  'environment',
  'run_id',
  'run_attempt',
  'actor',
  'event_name',
  'project_path',
  'pipeline_id',
  'job_id',
  'user_login',
];

/** RFC 8693's request, as the form says it (every field a string, or absent). */
export interface ExchangeForm {
  grant_type?: string | undefined;
  subject_token?: string | undefined;
  subject_token_type?: string | undefined;
  requested_token_type?: string | undefined;
  audience?: string | undefined;
  actor_token?: string | undefined;
}

export interface Exchanged {
  access_token: string;
  issued_token_type: typeof ACCESS_TOKEN_TYPE;
  token_type: 'Bearer';
  expires_in: number;
}

/** A refusal in OAuth's shape (RFC 6749 §5.2, RFC 8693 §2.2.2), with what the audit log keeps of it. */
export class ExchangeRefused extends Error {
  readonly error: 'invalid_request' | 'unsupported_grant_type';
  readonly details: Record<string, unknown>;
  readonly target: AuditTarget | null;

  constructor(
    description: string,
    details: Record<string, unknown> = {},
    options: { error?: 'invalid_request' | 'unsupported_grant_type'; target?: AuditTarget | null } = {},
  ) {
    super(description);
    this.error = options.error ?? 'invalid_request';
    this.details = details;
    this.target = options.target ?? null;
  }
}

type Origin = { ip: string; userAgent: string | null };

/**
 * Keyless CI: a CI job's OIDC token (a JWT its platform signed) for a short-lived service token of the
 * service user whose trust policy the JWT meets. The signature is checked against the issuer's published
 * keys; the issuer, audience, times and the policy's conditions against the claims; the `jti` is spent
 * in the same transaction as the token is made.
 */
export class TokenExchange {
  readonly #deps: {
    db: Kysely<Database>;
    clock: Clock;
    audit: AuditLog;
    tokens: TokenService;
    keys: IssuerKeys;
  };

  constructor(deps: {
    db: Kysely<Database>;
    clock: Clock;
    audit: AuditLog;
    tokens: TokenService;
    keys: IssuerKeys;
  }) {
    this.#deps = deps;
  }

  /** The issued token, or an ExchangeRefused thrown after its audit row is written (a bad form's too). */
  async exchange(origin: Origin, readForm: () => ExchangeForm): Promise<Exchanged> {
    try {
      return await this.#exchange(origin, readForm());
    } catch (error) {
      if (error instanceof ExchangeRefused) {
        await this.#deps.audit.record(this.#deps.db, origin, 'token.exchange_refused', error.target, {
          error: error.error,
          reason: error.message,
          ...error.details,
        });
      }
      throw error;
    }
  }

  async #exchange(origin: Origin, form: ExchangeForm): Promise<Exchanged> {
    const { db, clock, tokens, keys } = this.#deps;
    if (form.grant_type !== TOKEN_EXCHANGE_GRANT) {
      throw new ExchangeRefused(
        form.grant_type
          ? `grant_type ${JSON.stringify(form.grant_type.slice(0, 100))} is not supported; use ${TOKEN_EXCHANGE_GRANT}.`
          : `grant_type is missing; use ${TOKEN_EXCHANGE_GRANT}.`,
        {},
        form.grant_type ? { error: 'unsupported_grant_type' } : {},
      );
    }
    if (!form.subject_token)
      throw new ExchangeRefused("subject_token is missing: send the CI job's OIDC token.");
    if (form.subject_token_type !== JWT_TOKEN_TYPE && form.subject_token_type !== ID_TOKEN_TYPE) {
      throw new ExchangeRefused(`subject_token_type must be ${JWT_TOKEN_TYPE}.`);
    }
    if (form.requested_token_type !== undefined && form.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw new ExchangeRefused(`requested_token_type must be ${ACCESS_TOKEN_TYPE}, or left out.`);
    }
    if (form.actor_token !== undefined)
      throw new ExchangeRefused('actor_token is not supported: no delegation.');
    const jwt = form.subject_token;
    if (jwt.length > MAX_JWT_LENGTH) throw new ExchangeRefused('subject_token is too long for a JWT.');

    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(jwt);
    } catch {
      throw new ExchangeRefused('subject_token is not a JWT.');
    }
    const issuer = typeof unverified.iss === 'string' ? unverified.iss : undefined;
    // What the audit log says of a JWT that failed before its signature was checked: marked unverified.
    const said = { unverified_claims: pick(unverified, ['iss', 'sub', 'aud', 'jti', 'exp']) };
    if (!issuer) throw new ExchangeRefused('The JWT has no iss claim.', said);
    const policies = await policiesOfIssuer(db, issuer);
    if (policies.length === 0) {
      throw new ExchangeRefused(`No trust policy trusts the issuer ${issuer}.`, {
        ...said,
        failed: [{ claim: 'iss', actual: issuer }],
      });
    }

    let payload: JWTPayload;
    try {
      const getKey = await keys.keysOf(issuer);
      ({ payload } = await jwtVerify(jwt, getKey, {
        issuer,
        currentDate: clock.now(),
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'jti'],
        algorithms: ALGORITHMS,
      }));
    } catch (error) {
      throw new ExchangeRefused(verificationProblem(error, issuer), { ...said, ...failedCheck(error) });
    }

    const claims = payload as Record<string, unknown>;
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    const named = form.audience;
    let candidates = policies.filter((p) => audiences.includes(p.audience));
    if (candidates.length === 0) {
      throw new ExchangeRefused(
        `The JWT's audience (${audiences.join(', ') || 'none'}) is not one a trust policy of ${issuer} expects.`,
        {
          claims: pick(claims, ['iss', 'sub', 'aud', 'jti']),
          failed: [{ claim: 'aud', actual: payload.aud ?? null }],
        },
      );
    }
    if (named !== undefined) {
      candidates = candidates.filter(
        (p) => p.service_user_internal_id === named || p.service_user_id === named,
      );
      if (candidates.length === 0) {
        throw new ExchangeRefused(
          `audience ${JSON.stringify(named.slice(0, 200))} names no service user trusting this JWT's issuer and audience.`,
          {
            claims: pick(claims, ['iss', 'sub', 'aud', 'jti']),
          },
        );
      }
    }
    const matching = candidates.filter((p) => p.conditions.every((c) => conditionHolds(c, claims)));
    const singleOwner = new Set(candidates.map((p) => p.service_user_id)).size === 1;
    const ownerTarget = (id: string): AuditTarget => ({
      type: 'account',
      id,
      label: candidates.find((p) => p.service_user_id === id)?.service_user_internal_id ?? id,
    });
    if (matching.length === 0) {
      throw new ExchangeRefused(
        `The JWT's claims do not meet the conditions of any trust policy of ${issuer} for this audience.`,
        {
          claims: pick(claims, [
            'iss',
            'sub',
            'aud',
            'jti',
            ...candidates.flatMap((p) => p.conditions.map((c) => c.claim)),
          ]),
          failed: candidates.map((p) => ({
            trust_policy_id: p.id,
            conditions: failedConditions(p.conditions, claims),
          })),
        },
        { target: singleOwner ? ownerTarget(candidates[0]!.service_user_id) : null },
      );
    }
    const owners = [...new Set(matching.map((p) => p.service_user_internal_id ?? p.service_user_id))];
    if (owners.length > 1) {
      throw new ExchangeRefused(
        `The JWT meets trust policies of ${owners.length} service users (${owners.join(', ')}); send audience=<the service user's internal ID> to choose.`,
        { claims: pick(claims, ['iss', 'sub', 'aud', 'jti']) },
      );
    }
    const policy = matching[0]!;
    const target = ownerTarget(policy.service_user_id);
    const jti = String(payload.jti);
    const keepUntil = new Date((payload.exp! + CLOCK_TOLERANCE_S) * 1000);
    const earned = earningClaims(claims, policy.conditions);
    try {
      const issued = await tokens.issueFederated(origin, {
        serviceUserId: policy.service_user_id,
        trustPolicyId: policy.id,
        lifetimeMinutes: policy.lifetime_minutes,
        claims: earned,
        scopes: policy.scopes,
        before: async (trx) => {
          if (!(await spendJti(trx, { issuer, jti, keepUntil }, clock.now()))) {
            throw new ExchangeRefused(
              `This JWT was exchanged already (jti ${jti.slice(0, 100)}): each is accepted once.`,
              {
                claims: earned,
                trust_policy_id: policy.id,
                failed: [{ claim: 'jti', actual: jti }],
              },
              { target },
            );
          }
        },
      });
      return {
        access_token: issued.secret,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: issued.expiresIn,
      };
    } catch (error) {
      if (error instanceof AppError && error.code === 'owner_deactivated') {
        throw new ExchangeRefused(
          `The service user ${target.label} is deactivated.`,
          {
            claims: earned,
            trust_policy_id: policy.id,
          },
          { target },
        );
      }
      throw error;
    }
  }
}

/** What was wrong with the JWT, in a sentence for the CI job's log. */
function verificationProblem(error: unknown, issuer: string): string {
  if (error instanceof IssuerUnreachable)
    return `The signing keys of ${issuer} could not be read: ${error.message}`;
  if (error instanceof errors.JWTExpired) return 'The JWT has expired.';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'The JWT is not valid yet (nbf).';
    if (error.reason === 'missing') return `The JWT has no ${error.claim} claim.`;
    return `The JWT's ${error.claim} claim is not valid: ${error.message}`;
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed) {
    return `The JWT's signature does not match the signing keys of ${issuer}.`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'The JWT is signed with an algorithm not accepted here.';
  if (error instanceof errors.JOSEError) return `The JWT is not valid: ${error.message}`;
  return `The JWT could not be verified against the keys of ${issuer}.`;
}

function failedCheck(error: unknown): Record<string, unknown> {
  if (error instanceof errors.JWTExpired)
    return { failed: [{ claim: 'exp', actual: error.payload.exp ?? null }] };
  if (error instanceof errors.JWTClaimValidationFailed) {
    return {
      failed: [{ claim: error.claim, reason: error.reason, actual: error.payload[error.claim] ?? null }],
    };
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed) {
    return { failed: [{ check: 'signature' }] };
  }
  return {};
}

/** The named claims present, each value cut to 500 characters of text. */
function pick(claims: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const name of new Set(names)) {
    const value = claims[name];
    if (value === undefined) continue;
    kept[name] =
      typeof value === 'string'
        ? value.slice(0, 500)
        : typeof value === 'object'
          ? JSON.stringify(value).slice(0, 500)
          : value;
  }
  return kept;
}

function earningClaims(claims: Record<string, unknown>, conditions: readonly TrustCondition[]) {
  return pick(claims, [...KEPT_CLAIMS, ...conditions.map((c) => c.claim)]);
}
