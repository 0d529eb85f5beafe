import { useEffect, useMemo, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { makeClient } from './client';
import { AssistantPanel } from './components/AssistantPanel';
import { Link } from './components/Link';
import { CartQuery, SuggestQuery } from './operations';
import { Admin } from './pages/Admin';
import { Cart } from './pages/Cart';
import { Home } from './pages/Home';
import { Onboarding } from './pages/Onboarding';
import { Product } from './pages/Product';
import { Search } from './pages/Search';
import { SignIn } from './pages/SignIn';
import { navigate, useLocation } from './router';
import { loadSession, saveSession, type Session } from './session';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const conn = useMemo(() => makeClient(session), [session]);
  const [assistant, setAssistant] = useState(false);
  useEffect(() => () => conn.close(), [conn]);
  const signedIn = (s: Session) => {
    setSession(s);
    navigate(s.role === 'customer' ? '/onboarding' : s.role === 'admin' || s.role === 'partner' ? '/admin' : '/');
  };
  const signOut = () => {
    setAssistant(false);
    saveSession(null);
    setSession(null);
    navigate('/');
  };
  return (
    <Provider value={conn.client}>
      <div className={assistant && session ? 'app with-panel' : 'app'}>
        <a href="#main" className="skip">
          Skip to content
        </a>
        <Header
          session={session}
          onSignOut={signOut}
          assistant={assistant}
          onAssistant={() => setAssistant(!assistant)}
        />
        <main id="main" tabIndex={-1}>
          {session ? <Page session={session} /> : <SignIn onSignedIn={signedIn} />}
        </main>
      </div>
      {assistant && session ? <AssistantPanel key={session.sub} onClose={() => setAssistant(false)} /> : null}
    </Provider>
  );
}

function Page({ session }: { session: Session }) {
  const { path, params } = useLocation();
  const product = /^\/product\/([^/]+)$/.exec(path);
  if (product) return <Product id={decodeURIComponent(product[1]!)} />;
  if (path === '/onboarding') return <Onboarding />;
  if (path === '/search') return <Search params={params} />;
  if (path === '/cart') return <Cart />;
  if (path === '/admin') return <Admin canWrite={session.role === 'admin'} />;
  return <Home session={session} />;
}

function Header({
  session,
  onSignOut,
  assistant,
  onAssistant,
}: {
  session: Session | null;
  onSignOut: () => void;
  assistant: boolean;
  onAssistant: () => void;
}) {
  const { params, path } = useLocation();
  const [text, setText] = useState(path === '/search' ? (params.get('q') ?? '') : '');
  const prefix = text.trim();
  const [{ data: suggestions }] = useQuery({
    query: SuggestQuery,
    variables: { prefix },
    pause: !session || prefix.length < 2,
  });
  const [{ data: cart }] = useQuery({
    query: CartQuery,
    pause: session?.role !== 'customer' && session?.role !== 'admin',
  });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (prefix) navigate(`/search?q=${encodeURIComponent(prefix)}`);
  };
  return (
    <header className="top">
      <Link href="/" className="brand">
        Recgraph
      </Link>
      {session ? (
        <>
          <form role="search" onSubmit={submit}>
            <label htmlFor="q" className="visually-hidden">
              Search products
            </label>
            <input
              id="q"
              type="search"
              list="suggestions"
              placeholder="Search products"
              autoComplete="off"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
            <datalist id="suggestions">
              {suggestions?.suggest.map((s) => (
                <option key={`${s.kind}:${s.text}`} value={s.text} label={s.kind.toLowerCase()} />
              ))}
            </datalist>
            <button type="submit">Search</button>
          </form>
          <nav aria-label="Main">
            <Link href="/">Home</Link>
            <Link href="/search">Photo search</Link>
            {session.role !== 'partner' ? <Link href="/cart">Cart ({cart?.cart.itemCount ?? 0})</Link> : null}
            {session.role !== 'customer' ? <Link href="/admin">Models</Link> : null}
            <button
              type="button"
              className="secondary"
              aria-expanded={assistant}
              aria-controls="assistant"
              onClick={onAssistant}
            >
              Assistant
            </button>
            <span className="who" title={session.sub}>
              {session.role} {session.sub.slice(0, 8)}
            </span>
            <button type="button" className="secondary" onClick={onSignOut}>
              Sign out
            </button>
          </nav>
        </>
      ) : null}
    </header>
  );
}
