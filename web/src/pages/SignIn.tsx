import { useState } from 'react';
import { signIn, type Role, type Session } from '../session';

const CHOICES: { role: Role; label: string; text: string }[] = [
  { role: 'customer', label: 'Demo shopper', text: 'A new shopper: pick what you like, get recommendations, shop.' },
  { role: 'partner', label: 'Demo partner', text: 'Reads model versions and experiments (scopes read, subscribe).' },
  { role: 'admin', label: 'Demo admin', text: 'Promotes and rolls back models, runs experiments.' },
];

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const go = async (role: Role) => {
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(role));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      <p>Development tokens, signed by the gateway for this demo (never served in production).</p>
      <ul className="choices">
        {CHOICES.map((c) => (
          <li key={c.role}>
            <button type="button" onClick={() => void go(c.role)} disabled={busy}>
              {c.label}
            </button>
            <span className="muted"> {c.text}</span>
          </li>
        ))}
      </ul>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
    </section>
  );
}
