import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, api, post } from '../api';
import { NewArticles, type NewArticle } from './NewArticles';

const POLL_MS = 5_000;

/** An article id from its headline: a readable slug and a random suffix, unique enough for a newsroom. */
function articleId(headline: string): string {
  const slug = headline
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return `${slug || 'article'}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * The newsroom (editors and admins): publish an article — headline, standfirst, section, text —
 * and watch the newest articles reach their readers. A published article is recommendable at once:
 * to the readers of similar articles, or of its section when nothing places it yet.
 */
export function PublishPage() {
  const [sections, setSections] = useState<string[]>([]);
  const [newest, setNewest] = useState<NewArticle[]>([]);
  const [published, setPublished] = useState<{ id: string; title: string }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(() => {
    api<{ articles: NewArticle[] }>('/api/v1/articles/newest?n=10').then((r) => setNewest(r.articles), () => undefined);
  }, []);
  useEffect(() => {
    api<{ categories: { name: string }[] }>('/api/v1/articles/categories?n=100').then((r) => setSections(r.categories.map((c) => c.name)));
    refresh();
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const title = String(data.get('title')).trim();
    const summary = String(data.get('summary') ?? '').trim();
    const body = String(data.get('body') ?? '').trim();
    const category = String(data.get('category')).trim();
    const id = articleId(title);
    setBusy(true);
    setError(undefined);
    try {
      await post('/api/v1/articles', { articles: [{ id, title, category, ...(summary ? { summary } : {}), ...(body ? { body } : {}) }] });
      setPublished({ id, title });
      form.reset();
      refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'The service cannot be reached');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="stack">
      <h1>Publish</h1>
      <form onSubmit={submit} className="stack reading" aria-label="new article">
        <label>
          Headline
          <input name="title" required maxLength={200} />
        </label>
        <label>
          Standfirst
          <input name="summary" maxLength={400} />
        </label>
        <label>
          Section
          <select name="category" required defaultValue="">
            <option value="" disabled>
              Choose a section
            </option>
            {sections.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Text
          <textarea name="body" rows={8} />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="row">
          <button type="submit" disabled={busy}>
            Publish
          </button>
          {published && (
            <p role="status">
              Published: <a href={`#/article/${encodeURIComponent(published.id)}`}>{published.title}</a>
            </p>
          )}
        </div>
      </form>
      <h2>New articles and their reach</h2>
      <div className="scroll">
        <NewArticles articles={newest} />
      </div>
    </section>
  );
}
