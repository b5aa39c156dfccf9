"""The picture of chapter 8: word2vec's one point, BERT's points by sense, and the gap over
layers."""
import numpy as np

__all__ = ["pca_2d", "plot_polysemy"]


LEGEND_SIZE = 11   # readable at the notebook's default width

def pca_2d(vectors):
    """Project unit-length rows onto their first two principal components: (N, D) -> (N, 2)."""
    u = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    centred = u - u.mean(axis=0)
    if np.allclose(centred, 0):
        return np.zeros((len(u), 2))      # identical vectors: one point, no directions
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    if coords.shape[1] < 2:
        coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    # a fixed sign per axis, so the picture does not flip between runs or machines
    signs = np.sign(coords[np.abs(coords).argmax(axis=0), range(2)])
    return coords * np.where(signs == 0, 1, signs)


def plot_polysemy(result, layer=None):
    """Three panels: word2vec's one point, BERT's points by sense, and the gap over layers.

    Both projections are PCA of unit-length vectors of the word, one per sentence, so a
    distance d between two points stands for cosine 1 - d^2 / 2 in either panel; the two
    models' spaces are different, so only the shapes compare, not the axes.
    """
    import matplotlib.pyplot as plt
    layer = result.last_layer if layer is None else layer
    labels = list(dict.fromkeys(result.senses))
    colours = plt.get_cmap("tab10")
    markers = ["o", "s", "^", "D", "v", "P"]
    n = len(result.sentences)

    bert_xy = pca_2d(result.vectors[layer])
    lim = 1.15 * max(np.abs(bert_xy).max(), 0.05)
    fig, axes = plt.subplots(1, 3, figsize=(18, 6.2))

    ax = axes[0]
    if result.static_vector is not None:
        static_xy = pca_2d(np.tile(result.static_vector, (n, 1)))   # all rows identical
        x, y = static_xy[0]
        ax.scatter([x], [y], s=260, marker="*", color="black", zorder=3,
                   label=f"'{result.word}' in all {n} sentences")
        for k, sense in enumerate(labels):    # rings: every sense sits on that same point
            ax.add_patch(plt.Circle((x, y), lim * (0.06 + 0.04 * k), fill=False,
                                    color=colours(k), linewidth=2, label=f"{sense} (same point)"))
        ax.annotate(f"all {n} sentences,\nevery sense:\none vector", (x, y),
                    xytext=(x + 0.2 * lim, y + 0.2 * lim), fontsize=11)
        ax.set_title(f"word2vec: one vector for '{result.word}'")
        ax.legend(loc="lower left", fontsize=LEGEND_SIZE)
    else:
        ax.text(0.5, 0.5, "no static vectors given", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_title("word2vec")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("PC 1 (unit vectors)")
    ax.set_ylabel("PC 2")

    ax = axes[1]
    for k, sense in enumerate(labels):
        mask = np.asarray(result.senses) == sense
        ax.scatter(bert_xy[mask, 0], bert_xy[mask, 1], s=60, color=colours(k),
                   marker=markers[k % len(markers)], label=sense, edgecolor="black",
                   linewidth=0.5)
    for i, (x, y) in enumerate(bert_xy):
        ax.annotate(str(i), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=9)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_title(f"BERT layer {layer}: one vector per sentence")
    ax.set_xlabel("PC 1 (unit vectors)")
    ax.legend(fontsize=LEGEND_SIZE)

    ax = axes[2]
    ax.plot(result.layers, [result.within[l] for l in result.layers], "o-", label="within sense")
    ax.plot(result.layers, [result.across[l] for l in result.layers], "s-", label="across senses")
    if result.static_vector is not None:
        ax.axhline(1.0, color="black", linestyle="--", label="word2vec (both)")
    ax.set_xlabel("layer (0 = embeddings)")
    ax.set_ylabel("mean cosine")
    ax.set_title(f"'{result.word}': similarity by layer")
    ax.legend(fontsize=LEGEND_SIZE)
    fig.suptitle(f"'{result.word}' in {n} sentences - {result.model_name}", fontsize=13)
    fig.tight_layout()
    plt.close(fig)          # the caller shows it (display(result.figure)); no double plot
    return fig
