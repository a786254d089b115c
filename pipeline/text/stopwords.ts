import { eng } from 'stopword';

/**
 * English function words: the `stopword` package's list (108 words) plus the function words it lacks ("when",
 * "upon", "whether", …) and contractions. The lexical embedder leaves them out of its vocabulary and the keyword
 * namer never turns them into labels.
 */
const MISSING_FROM_PACKAGE = `when why she hers herself themselves ourselves yourself yourselves itself mine yours theirs whose whom whether although though unless until till within without across along around behind below beneath beside besides beyond despite except inside near off onto outside per toward towards upon via amongst among against during throughout whereas whereby wherein hereby herein thereby therein thereof thus hence therefore however moreover furthermore nevertheless nonetheless otherwise indeed perhaps certainly especially particularly above again ago almost alone already always anyone anything anyway anywhere became become becomes becoming cannot does doing done either else enough ever every everyone everything everywhere few four five further gave give given gives giving go goes going gone gotten having keep kept last least less let made makes making may maybe mostly mr mrs ms neither next nobody none nor nothing nowhere often once one ones others ought put rather really say says see seem seemed seeming seems several shall show shown shows six so somebody someone something sometime sometimes somewhat somewhere soon ten thanks thence thereafter thing things think third three thru together took tried tries truly try trying twice two unless unlike unlikely until unto us use used uses using usually various wants ways whatever whence whenever wherever whither whoever whole will willing wish yes yet not no its also just even new first own`;
const CONTRACTIONS = [
  "it's",
  "don't",
  "i'm",
  "we're",
  "you're",
  "they're",
  "that's",
  "there's",
  "can't",
  "won't",
  "isn't",
  "doesn't",
  "didn't",
  "we've",
  "i've",
  "let's",
  "we'll",
  "i'll",
  "you'll",
  "i'd",
  "we'd",
  "you'd",
  "you've",
];

export const STOPWORDS: ReadonlySet<string> = new Set([...eng, ...MISSING_FROM_PACKAGE.split(/\s+/), ...CONTRACTIONS]);
