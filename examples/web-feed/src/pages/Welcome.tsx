import { useEffect, useState } from 'react';
import { api, post, type Account } from '../api';

/** Onboarding: the categories a new reader cares about (the first feed follows them). */
export function WelcomePage({ account, done = '#/feed' }: { account: Account; done?: string }) {
  const [categories, setCategories] = useState<{ name: string; articles: number }[]>([]);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  useEffect(() => {
    api<{ categories: { name: string; articles: number }[] }>('/api/v1/articles/categories').then((r) => setCategories(r.categories));
    api<{ preferences: { categories: string[] } }>(`/api/v1/user/profile?user_id=${encodeURIComponent(account.id)}`).then((p) => setChosen(new Set(p.preferences.categories)));
  }, [account.id]);
  const toggle = (name: string) => setChosen((now) => (now.has(name) ? new Set([...now].filter((c) => c !== name)) : new Set([...now, name])));
  async function save() {
    await post('/api/v1/user/preferences', { user_id: account.id, categories: [...chosen] });
    window.location.hash = done;
  }
  return (
    <section className="stack">
      <h1>What do you like to read?</h1>
      <div className="chips" role="group" aria-label="categories">
        {categories.map((c) => (
          <label key={c.name} className={`chip${chosen.has(c.name) ? ' on' : ''}`}>
            <input type="checkbox" checked={chosen.has(c.name)} onChange={() => toggle(c.name)} />
            {c.name}
          </label>
        ))}
      </div>
      <button type="button" onClick={save} disabled={chosen.size === 0}>
        Show my feed
      </button>
    </section>
  );
}
