import { useState, type FormEvent } from 'react';
import { ApiError, api, post, session, type Account, type Profile } from '../api';

/** Sign in, or sign up: a new reader goes on to choose their categories. */
export function SignInPage({ onSignedIn }: { onSignedIn: (account: Account) => void }) {
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-in');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      const { account } = await post<{ account: Account }>(`/api/v1/auth/${mode}`, { email: form.get('email'), password: form.get('password') });
      session.started();
      const profile = await api<Profile>(`/api/v1/user/profile?user_id=${encodeURIComponent(account.id)}`);
      window.location.hash = profile.preferences.categories.length === 0 ? '#/welcome' : '#/feed';
      onSignedIn(account);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'The service cannot be reached');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="page narrow">
      <h1>{mode === 'sign-in' ? 'Sign in' : 'Create your account'}</h1>
      <form onSubmit={submit} className="stack">
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'} minLength={mode === 'sign-up' ? 12 : 1} required />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {mode === 'sign-in' ? 'Sign in' : 'Sign up'}
        </button>
      </form>
      <p>
        {mode === 'sign-in' ? 'New here?' : 'Already have an account?'}{' '}
        <button type="button" className="link" onClick={() => setMode(mode === 'sign-in' ? 'sign-up' : 'sign-in')}>
          {mode === 'sign-in' ? 'Create an account' : 'Sign in'}
        </button>
      </p>
    </main>
  );
}
