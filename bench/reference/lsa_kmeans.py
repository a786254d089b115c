"""The reference pipeline of bench/cluster-quality.ts (Debian's python3-sklearn; never used by the tests).

Reads JSON lines {"text", "label"} on stdin and the k values as arguments; for each k prints one JSON line with the
NMI and ARI against the labels of: TF-IDF (sublinear tf, min_df 2) -> TruncatedSVD 100 dims -> L2 -> k-means.
"""
import json
import sys

from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import Normalizer

rows = [json.loads(line) for line in sys.stdin if line.strip()]
texts = [r["text"] for r in rows]
labels = [r["label"] for r in rows]
x = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(texts)
z = Normalizer().fit_transform(TruncatedSVD(n_components=100, random_state=0).fit_transform(x))
for k in [int(a) for a in sys.argv[1:]]:
    pred = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(z)
    print(json.dumps({"k": k, "nmi": round(normalized_mutual_info_score(labels, pred), 4), "ari": round(adjusted_rand_score(labels, pred), 4)}))
