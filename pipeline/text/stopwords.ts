import { eng } from 'stopword';

/**
 * English function words (the `stopword` package's list) plus contractions and the filler words of formal
 * prose that the keyword namer must not turn into labels.
 */
export const STOPWORDS: ReadonlySet<string> = new Set([
  ...eng,
  ...["it's", "don't", "i'm", "we're", "you're", "they're", "that's", "there's", "can't", "won't", "isn't", "doesn't", "didn't", "we've", "i've", "let's"],
  ...['not', 'no', 'nor', 'so', 'its', 'us', 'our', 'ours', 'upon', 'shall', 'may', 'will', 'also', 'yet', 'every', 'whether', 'thus', 'hence', 'therefore', 'however', 'within', 'without', 'among', 'against', 'during', 'whose', 'whom', 'one', 'two', 'first', 'last', 'least', 'less', 'own', 'just', 'even', 'ever', 'again', 'already', 'always', 'because', 'being', 'became', 'become', 'made', 'make', 'new', 'per', 'let', 'see', 'say', 'says', 'done', 'going', 'us'],
]);
