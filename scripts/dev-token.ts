// `npm run token -- --role customer --sub <userId>`: prints a bearer token for
// local use, signed with JWT_HS256_SECRET (or the development default).
import { parseArgs } from 'node:util';
import { signDevToken, SCOPES, type Scope } from '@recgraph/auth';
import { config, DEV_JWT_SECRET } from '@recgraph/config';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'customer' },
    sub: { type: 'string' },
    scope: { type: 'string', multiple: true },
    user: { type: 'string', multiple: true },
    ttl: { type: 'string', default: '12h' },
  },
});
const cfg = config('gateway');
const fail = (msg: string) => {
  console.error(msg);
  process.exit(2);
};
if (!['customer', 'partner', 'admin'].includes(values.role!)) fail('--role must be customer, partner or admin');
if (!values.sub) fail('--sub is required: the user id (users.id) the token speaks for');
const scopes = (values.scope ?? []) as Scope[];
for (const s of scopes) if (!SCOPES.includes(s)) fail(`--scope must be one of ${SCOPES.join(', ')}`);
if (cfg.NODE_ENV === 'production' && !cfg.JWT_HS256_SECRET)
  fail('Refusing to mint a token with the development secret in production.');
const token = await signDevToken(cfg.JWT_HS256_SECRET ?? DEV_JWT_SECRET, {
  sub: values.sub!,
  role: values.role as 'customer' | 'partner' | 'admin',
  scopes,
  ...(values.user ? { users: values.user } : {}),
  expiresIn: values.ttl!,
  issuer: cfg.JWT_ISSUER,
  audience: cfg.JWT_AUDIENCE,
});
console.log(token);
