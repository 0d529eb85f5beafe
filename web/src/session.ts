// Who is signed in: a development token from the gateway's /dev/token (the browser cannot
// hold the signing secret), kept in localStorage so a reload stays signed in.
export type Role = 'customer' | 'partner' | 'admin';

export interface Session {
  token: string;
  sub: string;
  role: Role;
}

const KEY = 'recgraph.session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Session) : null;
    return s && typeof s.token === 'string' && typeof s.sub === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
}

/** Signs in as a demo user of `role` (a new shopper each time unless `sub` is given). */
export async function signIn(role: Role, sub?: string): Promise<Session> {
  const res = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role, ...(sub ? { sub } : {}) }),
  });
  if (!res.ok) throw new Error(res.status === 404 ? 'Demo sign-in is available in development only' : await res.text());
  const s = (await res.json()) as Session;
  saveSession(s);
  return s;
}
