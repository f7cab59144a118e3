import { useState } from 'react';
import { api, post, type Account } from '../api';
import { WelcomePage } from './Welcome';

/** Preferences, the reader's data (a JSON download), signing out, and deleting the account. */
export function SettingsPage({ account, onSignedOut }: { account: Account; onSignedOut: () => void }) {
  const [download, setDownload] = useState<string>();
  const [confirming, setConfirming] = useState(false);

  async function exportData() {
    const data = await api<unknown>(`/api/v1/user/data?user_id=${encodeURIComponent(account.id)}`);
    setDownload(URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' })));
  }
  async function signOut() {
    await post('/api/v1/auth/sign-out', {}).catch(() => undefined);
    onSignedOut();
  }
  async function deleteAccount() {
    await api(`/api/v1/user/data?user_id=${encodeURIComponent(account.id)}`, { method: 'DELETE' });
    onSignedOut();
  }

  return (
    <section className="stack">
      <h1>Settings</h1>
      <p>Signed in as {account.email}.</p>
      <WelcomePage account={account} done="#/feed" />
      <h2>Your data</h2>
      <div className="row">
        <button type="button" onClick={exportData}>
          Export my data
        </button>
        {download && (
          <a href={download} download="my-content-data.json">
            Download my-content-data.json
          </a>
        )}
      </div>
      <div className="row">
        <button type="button" onClick={signOut}>
          Sign out
        </button>
        {confirming ? (
          <button type="button" className="danger" onClick={deleteAccount}>
            Yes, delete my account and everything about me
          </button>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete my account
          </button>
        )}
      </div>
    </section>
  );
}
