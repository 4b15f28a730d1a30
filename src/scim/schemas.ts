// The SCIM resources as Tessera serves them (RFC 7643): the URNs, and what the discovery endpoints say —
// exactly the attributes Tessera keeps. Others an identity provider sends are accepted and ignored.

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Tessera's own extension of User: the person's role. */
export const TESSERA_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:tessera:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export const SCIM_MEDIA_TYPE = 'application/scim+json; charset=utf-8';
/** The most resources one list answers with, and what it answers with when not asked (`count`). */
export const MAX_RESULTS = 100;

interface Attribute {
  name: string;
  type: 'string' | 'boolean' | 'dateTime' | 'reference' | 'complex';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'default' | 'never' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: Attribute[];
}

const attribute = (name: string, description: string, more: Partial<Attribute> = {}): Attribute => ({
  name,
  type: 'string',
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...more,
});

const USER_ATTRIBUTES: Attribute[] = [
  attribute('userName', "The person's email address: how they sign in. Unique, compared without case.", {
    required: true,
    uniqueness: 'server',
  }),
  attribute('externalId', "The identity provider's ID for the person.", { caseExact: true }),
  attribute('name', "The parts of the person's name.", {
    type: 'complex',
    subAttributes: [
      attribute('formatted', 'The full name; the display name when displayName is not sent.'),
      attribute('givenName', 'Given name.'),
      attribute('familyName', 'Family name.'),
    ],
  }),
  attribute(
    'displayName',
    'The name Tessera shows; from name.formatted, or the given and family names, when absent.',
  ),
  attribute('emails', 'The email address, which is userName.', {
    multiValued: true,
    type: 'complex',
    mutability: 'readOnly',
    subAttributes: [
      attribute('value', 'The address.', { mutability: 'readOnly' }),
      attribute('type', 'Always "work".', { mutability: 'readOnly', canonicalValues: ['work'] }),
      attribute('primary', 'Always true.', { type: 'boolean', mutability: 'readOnly' }),
    ],
  }),
  attribute(
    'active',
    'False: deactivated. Their personal tokens are revoked and their sessions end; reactivation restores no token.',
    { type: 'boolean' },
  ),
  attribute('groups', "The person's teams. Change them through Groups.", {
    multiValued: true,
    type: 'complex',
    mutability: 'readOnly',
    subAttributes: [
      attribute('value', "The team's id.", { mutability: 'readOnly' }),
      attribute('$ref', "The team's URI.", {
        type: 'reference',
        referenceTypes: ['Group'],
        mutability: 'readOnly',
      }),
      attribute('display', "The team's name.", { mutability: 'readOnly' }),
    ],
  }),
];

const TESSERA_USER_ATTRIBUTES: Attribute[] = [
  attribute('role', 'member, manager or admin; a new person is a member unless this says otherwise.', {
    canonicalValues: ['member', 'manager', 'admin'],
  }),
];

const GROUP_ATTRIBUTES: Attribute[] = [
  attribute('displayName', "The team's name: unique, compared without case.", {
    required: true,
    uniqueness: 'server',
  }),
  attribute('externalId', "The identity provider's ID for the team.", { caseExact: true }),
  attribute('members', "The team's people (service users are Tessera's own and are not listed).", {
    multiValued: true,
    type: 'complex',
    subAttributes: [
      attribute('value', "The person's id.", { mutability: 'immutable' }),
      attribute('$ref', "The person's URI.", {
        type: 'reference',
        referenceTypes: ['User'],
        mutability: 'immutable',
      }),
      attribute('display', "The person's name.", { mutability: 'readOnly' }),
      attribute('type', 'Always "User".', { mutability: 'immutable', canonicalValues: ['User'] }),
    ],
  }),
];

/** The three schemas, as /Schemas lists them. */
export function schemaResources(base: string) {
  const schema = (id: string, name: string, description: string, attributes: Attribute[]) => ({
    schemas: [SCHEMA_SCHEMA],
    id,
    name,
    description,
    attributes,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
  });
  return [
    schema(
      USER_SCHEMA,
      'User',
      'A person (service users are not provisioned through SCIM).',
      USER_ATTRIBUTES,
    ),
    schema(
      GROUP_SCHEMA,
      'Group',
      'A team. The built-in Public team holds everyone and keeps its name.',
      GROUP_ATTRIBUTES,
    ),
    schema(TESSERA_USER_SCHEMA, 'TesseraUser', "Tessera's attributes of a person.", TESSERA_USER_ATTRIBUTES),
  ];
}

export function resourceTypes(base: string) {
  return [
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'A person',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: TESSERA_USER_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'A team',
      schema: GROUP_SCHEMA,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
    },
  ];
}

/** What Tessera supports, truthfully: PATCH and filters yes; bulk, sorting, ETags and passwords no. */
export function serviceProviderConfig(base: string) {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description:
          'A Tessera token with the scope `scim` (Settings → Access Tokens → Generate Token → Access → SCIM), or the token of an Admin, as "Authorization: Bearer <token>".',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}
