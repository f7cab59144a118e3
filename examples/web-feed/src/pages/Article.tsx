import { useEffect, useState } from 'react';
import { api, type Account, type Article } from '../api';
import { ArticleCard, type CardView } from './Card';

/** One article, and more like it. */
export function ArticlePage({ articleId }: { account: Account; articleId: string }) {
  const [article, setArticle] = useState<Article | null>();
  const [similar, setSimilar] = useState<CardView[]>([]);
  useEffect(() => {
    setArticle(undefined);
    api<{ article: Article } & Article>(`/api/v1/articles/${encodeURIComponent(articleId)}`).then(setArticle, () => setArticle(null));
    api<{ items: CardView[] }>(`/api/v1/articles/${encodeURIComponent(articleId)}/similar?n=6`).then((r) => setSimilar(r.items), () => setSimilar([]));
  }, [articleId]);
  if (article === undefined) return <section aria-busy="true" />;
  if (article === null) return <p role="alert">No such article.</p>;
  return (
    <section className="stack">
      <article className="reading">
        <p className="meta">{article.category}</p>
        <h1>{article.title ?? `Article ${article.id}`}</h1>
        {article.summary && <p className="summary">{article.summary}</p>}
        {article.body && <p>{article.body}</p>}
      </article>
      <h2>More like this</h2>
      <div className="grid similar">
        {similar.map((card) => (
          <ArticleCard key={card.article_id} card={card} />
        ))}
      </div>
    </section>
  );
}
