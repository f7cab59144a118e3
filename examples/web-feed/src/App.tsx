/**
 * The reader's web app: who is signed in, and which page the address (`#/feed`, `#/article/<id>`...)
 * asks for. Each page is one file of `pages/`.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, session, type Account } from './api';
import { ArticlePage } from './pages/Article';
import { DashboardPage } from './pages/Dashboard';
import { FeedPage } from './pages/Feed';
import { PublishPage } from './pages/Publish';
import { SettingsPage } from './pages/Settings';
import { SignInPage } from './pages/SignIn';
import { TrendingPage } from './pages/Trending';
import { WelcomePage } from './pages/Welcome';

function useRoute(): string[] {
  const read = () => window.location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function App() {
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  const route = useRoute();
  useEffect(() => {
    if (!session.known()) return setAccount(null);
    api<Account>('/api/v1/auth/me').then(
      (me) => setAccount(me),
      () => {
        session.ended();
        setAccount(null);
      },
    );
  }, []);
  const signedOut = useCallback(() => {
    session.ended();
    setAccount(null);
    window.location.hash = '#/signin';
  }, []);

  if (account === undefined) {
    // The bar's place is kept while the session is checked: the page does not jump when it comes.
    return (
      <>
        <header className="bar">
          <span className="brand">My Content</span>
          <nav aria-label="main" />
        </header>
        <main className="page" aria-busy="true" />
      </>
    );
  }
  if (account === null) return <SignInPage onSignedIn={setAccount} />;
  const [page, id] = route;
  return (
    <>
      <header className="bar">
        <a className="brand" href="#/feed">
          My Content
        </a>
        <nav aria-label="main">
          <a href="#/feed" aria-current={page === 'feed' || page === '' ? 'page' : undefined}>
            For you
          </a>
          <a href="#/trending" aria-current={page === 'trending' ? 'page' : undefined}>
            Trending
          </a>
          <a href="#/settings" aria-current={page === 'settings' ? 'page' : undefined}>
            Settings
          </a>
          {account.role !== 'reader' && (
            <a href="#/publish" aria-current={page === 'publish' ? 'page' : undefined}>
              Publish
            </a>
          )}
          {account.role === 'admin' && (
            <a href="#/dashboard" aria-current={page === 'dashboard' ? 'page' : undefined}>
              Dashboard
            </a>
          )}
        </nav>
      </header>
      <main className="page">
        {page === 'welcome' ? (
          <WelcomePage account={account} />
        ) : page === 'article' && id ? (
          <ArticlePage account={account} articleId={id} />
        ) : page === 'trending' ? (
          <TrendingPage />
        ) : page === 'publish' && account.role !== 'reader' ? (
          <PublishPage />
        ) : page === 'dashboard' && account.role === 'admin' ? (
          <DashboardPage />
        ) : page === 'settings' ? (
          <SettingsPage account={account} onSignedOut={signedOut} />
        ) : (
          <FeedPage account={account} />
        )}
      </main>
    </>
  );
}
