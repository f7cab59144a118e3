import { pct } from '../format';

/** One of the newest articles and how far it has reached (`GET /api/v1/articles/newest`). */
export interface NewArticle {
  article_id: string;
  title?: string;
  category?: string;
  created_at: string;
  views: number;
  clicks: number;
}

/** The newest articles: age, impressions (a bar), clicks and click-through. */
export function NewArticles({ articles }: { articles: NewArticle[] }) {
  const most = Math.max(1, ...articles.map((a) => a.views));
  const age = (iso: string) => {
    const minutes = Math.max(0, (Date.now() - Date.parse(iso)) / 60_000);
    return minutes < 90 ? `${Math.round(minutes)} min` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} d`;
  };
  return (
    <table className="experiment" aria-label="new articles">
      <thead>
        <tr>
          <th scope="col">article</th>
          <th scope="col">section</th>
          <th scope="col">age</th>
          <th scope="col">impressions</th>
          <th scope="col">clicks</th>
          <th scope="col">CTR</th>
        </tr>
      </thead>
      <tbody>
        {articles.map((a) => (
          <tr key={a.article_id} data-article={a.article_id}>
            <th scope="row">{a.title ?? a.article_id}</th>
            <td>{a.category ?? '—'}</td>
            <td>{age(a.created_at)}</td>
            <td>
              <svg viewBox="0 0 100 10" className="reach" role="img" aria-label={`${a.views} impressions`}>
                <rect width={(100 * a.views) / most} height="10" />
              </svg>{' '}
              {a.views}
            </td>
            <td>{a.clicks}</td>
            <td>{pct(a.views > 0 ? a.clicks / a.views : Number.NaN)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

