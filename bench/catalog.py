"""`python -m bench.catalog`: lazy exposure on the real Docker MCP catalog.

The catalog is bench/data/docker_catalog_index.json (copied from docker/mcp-registry and
docker/labs-ai-tools-for-devs, MIT / Apache-2.0: see the LICENSE files beside it): 141
servers with 2,013 tools (11 servers list their tools by name only). It is loaded into mcpod's own `Catalog` exactly as
persisted upstream lists would be, then:
  1. tokens of the initial tools/list, `lazy` (meta-tools) vs `all` (every tool);
  2. search latency p50/p99, for whole queries and for every keystroke prefix of them;
  3. search quality (recall@1, recall@5, MRR@10 and "nothing fits" per kind of request) on
     the held-out set `queries_heldout.json` (the only one that gates quality) and the
     tuning set `queries_tuning.json`: lexical, plain BM25, and, with the semantic extra,
     fused with the multilingual model alone and with both models.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from mcpod.config import ServerConfig
from mcpod.daemon.catalog import Catalog, estimate_tokens
from mcpod.daemon.catalog.search import Document, SearchIndex, tokenize
from mcpod.daemon.exposure import META_TOOLS

DATA = Path(__file__).resolve().parent / "data"


def load_catalog() -> Catalog:
    index = json.loads((DATA / "docker_catalog_index.json").read_text())
    servers = {name: tools for name, entry in index.items() if (tools := catalog_tools(entry))}
    catalog = Catalog()
    catalog.configure(
        [
            ServerConfig(
                name=name,
                transport="stdio",
                command="docker",
                title=index[name].get("title") or "",
                description=index[name].get("description") or "",
                category=(index[name].get("mcp_registry") or {}).get("category") or "",
            )
            for name in servers
        ],
        {},
    )
    for name, tools in servers.items():
        catalog.update(name, {"tools": tools}, {}, 0.0)
    return catalog


def catalog_tools(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Every tool the index lists for a server, as MCP `Tool`s: full definitions first
    (`tools`, at the top level or under `mcp_registry`), then tools known by name only
    (`tool_names`: a server such as curl or chrome lists no descriptions)."""
    registry = entry.get("mcp_registry") or {}
    tools: dict[str, dict[str, Any]] = {}
    for tool in [*(entry.get("tools") or []), *(registry.get("tools") or [])]:
        tools.setdefault(tool["name"], mcp_tool(tool))
    for name in [*(entry.get("tool_names") or []), *(registry.get("tool_names") or [])]:
        tools.setdefault(name, mcp_tool({"name": name}))
    return list(tools.values())


def mcp_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A catalog tool (toolsUrl format) as the MCP `Tool` a server would list."""
    if "inputSchema" in tool:
        schema = tool["inputSchema"]
    else:
        properties = {
            arg["name"]: {"type": arg.get("type", "string"), "description": arg.get("desc", "")}
            for arg in tool.get("arguments", [])
        }
        required = [a["name"] for a in tool.get("arguments", []) if not a.get("optional")]
        schema = {"type": "object", "properties": properties, "required": required}
    out = {"name": tool["name"], "description": tool.get("description", ""), "inputSchema": schema}
    if tool.get("annotations"):
        out["annotations"] = tool["annotations"]
    return out


def quality(
    catalog: Catalog,
    queries: list[dict[str, Any]],
    *,
    expand: bool = True,
    fused: bool = False,
    baseline: SearchIndex | None = None,
) -> dict[str, Any]:
    """`fused`: the daemon's own search (lexical fused with semantic, when ready);
    `expand=False`: mcpod's fields, no query expansion; `baseline`: that index, plain."""
    at1 = at5 = 0
    reciprocal = 0.0
    misses = []
    for item in queries:
        wanted = {tuple(a.split("/", 1)) for a in item["a"]}
        if baseline is not None:
            found = baseline.search(item["q"], 10, expand=False)
        elif fused:
            found = catalog.search(item["q"], 10)
        elif expand:
            found = catalog.lexical(item["q"], 10)
        else:
            found = catalog.index.search(item["q"], 10, expand=False)
        hits = [(h.server, h.tool) for h in found]
        rank = next((i + 1 for i, hit in enumerate(hits) if hit in wanted), None)
        at1 += rank == 1
        at5 += rank is not None and rank <= 5
        reciprocal += 1 / rank if rank else 0.0
        if rank is None or rank > 5:
            misses.append(
                {"query": item["q"], "rank": rank, "top": [f"{s}/{t}" for s, t in hits[:3]]}
            )
    n = len(queries)
    return {
        "n": n,
        "recall@1": at1 / n,
        "recall@5": at5 / n,
        "mrr@10": reciprocal / n,
        "misses": misses,
    }


def quality_by_kind(
    catalog: Catalog,
    queries: list[dict[str, Any]],
    *,
    expand: bool = True,
    fused: bool = False,
    baseline: SearchIndex | None = None,
) -> dict[str, dict[str, Any]]:
    """`quality` per kind of request (paraphrase, keyword, product, non_english) of the
    held-out set; unanswerable requests are counted only (rejecting them needs the
    "nothing fits" flag, which search does not have yet)."""
    kinds: dict[str, list[dict[str, Any]]] = {}
    for item in queries:
        kinds.setdefault(item.get("kind", "other"), []).append(item)
    report = {}
    for kind, items in sorted(kinds.items()):
        answerable = [item for item in items if item["a"]]
        if answerable:
            report[kind] = quality(
                catalog, answerable, expand=expand, fused=fused, baseline=baseline
            )
        else:
            report[kind] = {"n": len(items), "unanswerable": True}
        if fused:  # how often "nothing fits" is said: right for unanswerable, wrong otherwise
            said = sum(catalog.fits(item["q"]) is False for item in items)
            report[kind]["nothing_fits_said"] = said / len(items)
    answerable = [item for item in queries if item["a"]]
    report["all answerable"] = quality(
        catalog, answerable, expand=expand, fused=fused, baseline=baseline
    )
    return report


def plain_bm25(catalog: Catalog) -> SearchIndex:
    """The textbook baseline: one field per tool (its name and description), no field
    weights, no parameters, no server ranking, no query expansion."""
    return SearchIndex.build(
        Document(
            (entry.name, str(tool.get("name"))),
            {"description": tokenize(f"{tool.get('name', '')} {tool.get('description') or ''}")},
        )
        for entry in catalog.entries.values()
        for tool in entry.lists["tools"]
    )


def with_semantic(catalog: Catalog) -> dict[str, Any] | None:
    """Give the catalog its semantic indexes, by the daemon's own embedder and models
    (None when the extra is not installed); the vectors go to a throwaway state store."""
    import tempfile

    import anyio

    from mcpod.daemon.catalog.semantic import SemanticIndex
    from mcpod.daemon.embedding import MODELS, Embedder
    from mcpod.daemon.store import Store

    figures: dict[str, Any] = {
        "tools": len(catalog.semantic_docs()), "words": len(catalog.semantic_words())
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(Path(scratch) / "state.db")
        embedder = Embedder(catalog, store.embeddings)
        for attribute, load, with_words in MODELS:
            model = load()
            if model is None:
                continue
            index = SemanticIndex(model)
            started = time.perf_counter()
            anyio.run(lambda i=index, w=with_words: embedder.update(i, with_words=w))
            setattr(catalog, attribute, index)
            figures[f"{attribute}_embed_s"] = time.perf_counter() - started
            figures[f"{attribute}_model"] = model.model_id
        store.close()
    return figures if catalog.semantic or catalog.english else None


def latency(catalog: Catalog, queries: list[str], repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        for query in queries:
            started = time.perf_counter()
            catalog.search(query, 10)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": statistics.median(times),
        "p99_ms": times[min(len(times) - 1, round(0.99 * (len(times) - 1)))],
        "n": len(times),
    }


def run() -> dict[str, Any]:
    started = time.perf_counter()
    catalog = load_catalog()
    build_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    _ = catalog.index  # built once, then reused until the catalog changes
    index_ms = (time.perf_counter() - started) * 1000
    everything = catalog.view(frozenset(catalog.entries)).tools
    lazy_tokens = estimate_tokens({"tools": META_TOOLS})
    all_tokens = estimate_tokens({"tools": everything})
    queries = json.loads((DATA / "queries.json").read_text())
    holdout = json.loads((DATA / "queries_holdout.json").read_text())
    heldout_path = DATA / "queries_heldout.json"  # the search issue's set, by kind
    heldout = json.loads(heldout_path.read_text()) if heldout_path.exists() else []
    tuning = json.loads((DATA / "queries_tuning.json").read_text())  # what search is tuned on
    bm25 = plain_bm25(catalog)
    texts = [q["q"] for q in queries]
    keystrokes = [text[:i] for text in texts for i in range(3, len(text) + 1, 3)]
    return {
        "servers": len(catalog.entries),
        "tools": len(everything),
        "load_ms": build_ms,
        "index_build_ms": index_ms,
        "tokens_lazy": lazy_tokens,
        "tokens_all": all_tokens,
        "reduction": 1 - lazy_tokens / all_tokens,
        "search_queries": latency(catalog, texts, 20),
        "search_keystrokes": latency(catalog, keystrokes, 3),
        "quality": quality(catalog, queries),
        "quality_holdout": quality(catalog, holdout),
        "quality_plain": quality(catalog, queries, expand=False),
        "quality_holdout_plain": quality(catalog, holdout, expand=False),
        "heldout_by_kind": quality_by_kind(catalog, heldout) if heldout else {},
        "heldout_by_kind_plain": quality_by_kind(catalog, heldout, expand=False) if heldout else {},
        "heldout_by_kind_bm25": quality_by_kind(catalog, heldout, baseline=bm25) if heldout else {},
        "tuning_by_kind": quality_by_kind(catalog, tuning),
        "tuning_by_kind_plain": quality_by_kind(catalog, tuning, expand=False),
        "tuning_by_kind_bm25": quality_by_kind(catalog, tuning, baseline=bm25),
        **_semantic_figures(catalog, heldout, tuning, texts),
    }


def _semantic_figures(
    catalog: Catalog, heldout: list[dict[str, Any]], tuning: list[dict[str, Any]], texts: list[str]
) -> dict[str, Any]:
    semantic = with_semantic(catalog)
    if semantic is None:
        return {"semantic": None}
    figures = {
        "semantic": semantic,
        "search_fused": latency(catalog, texts, 10),
        "heldout_by_kind_fused": quality_by_kind(catalog, heldout, fused=True) if heldout else {},
        "tuning_by_kind_fused": quality_by_kind(catalog, tuning, fused=True),
    }
    english, catalog.english = catalog.english, None  # what the English model adds
    if english is not None and catalog.semantic is not None:
        figures["search_fused_multilingual"] = latency(catalog, texts, 10)
        figures["heldout_by_kind_multilingual"] = (
            quality_by_kind(catalog, heldout, fused=True) if heldout else {}
        )
        figures["tuning_by_kind_multilingual"] = quality_by_kind(catalog, tuning, fused=True)
    catalog.english = english
    return figures


def render(r: dict[str, Any]) -> str:
    q = r["quality"]
    lines = [
        f"Catalog: {r['servers']} servers, {r['tools']} tools (Docker MCP registry data); "
        f"index built in {r['index_build_ms']:.0f} ms",
        "",
        "| figure | all | lazy | result |",
        "|---|---|---|---|",
        f"| initial tools/list tokens | {r['tokens_all']:,} | {r['tokens_lazy']:,} "
        f"| {r['reduction'] * 100:.2f}% smaller |",
        "",
        "| search | p50 | p99 | n |",
        "|---|---|---|---|",
        f"| whole queries | {r['search_queries']['p50_ms']:.2f} ms | {r['search_queries']['p99_ms']:.2f} ms "
        f"| {r['search_queries']['n']} |",
        f"| every 3rd keystroke | {r['search_keystrokes']['p50_ms']:.2f} ms "
        f"| {r['search_keystrokes']['p99_ms']:.2f} ms | {r['search_keystrokes']['n']} |",
        "",
        "| search quality | queries | recall@1 | recall@5 | MRR@10 |",
        "|---|---|---|---|---|",
        _quality_row("tuning set, full search", r["quality"]),
        _quality_row("held-out set, full search", r["quality_holdout"]),
        _quality_row("tuning set, plain BM25F", r["quality_plain"]),
        _quality_row("held-out set, plain BM25F", r["quality_holdout_plain"]),
    ]
    if r.get("heldout_by_kind"):
        lines += _by_kind(r, "heldout", "held-out set (gates quality; never tuned on)")
    lines += _by_kind(r, "tuning", "tuning set (queries_tuning.json: what search was tuned on)")
    if r.get("semantic"):
        s, f = r["semantic"], r["search_fused"]
        lines += ["", f"Semantic indexes: {s['tools']} tools and {s.get('words', 0)} catalog "
                  f"words embedded by {s.get('semantic_model', '-')} in "
                  f"{s.get('semantic_embed_s', 0):.1f} s, the tools by "
                  f"{s.get('english_model', '-')} in {s.get('english_embed_s', 0):.1f} s "
                  f"(once; cached in the state store by the daemon); fused search "
                  f"{f['p50_ms']:.2f} ms p50, {f['p99_ms']:.2f} ms p99."]  # fmt: skip
        if r.get("search_fused_multilingual"):
            m = r["search_fused_multilingual"]
            lines[-1] += (f" With the multilingual model alone: {m['p50_ms']:.2f} ms p50, "
                          f"{m['p99_ms']:.2f} ms p99.")  # fmt: skip
    misses = q["misses"] + r["quality_holdout"]["misses"]
    if misses:
        lines += ["", "Queries without a right answer in the top 5 (full search):"]
        lines += [f"- {m['query']!r}: rank {m['rank']}, top {', '.join(m['top'])}" for m in misses]
    return "\n".join(lines) + "\n"


def _by_kind(r: dict[str, Any], which: str, label: str) -> list[str]:
    fused = r.get(f"{which}_by_kind_fused") or {}
    alone = r.get(f"{which}_by_kind_multilingual") or {}
    lines = ["", f"| {label}, by kind | requests | lexical R@1 / R@5 / MRR | BM25F, no expansion R@5 / MRR "
             "| plain BM25 R@5 / MRR | fused, multilingual model only R@5 / MRR "
             "| fused R@1 / R@5 / MRR | \"nothing fits\" said |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for kind, row in r[f"{which}_by_kind"].items():
        mixed = fused.get(kind, {})
        said = f"{mixed['nothing_fits_said']:.0%}" if "nothing_fits_said" in mixed else "-"
        if row.get("unanswerable"):
            lines.append(f"| {kind} | {row['n']} | - | - | - | - | - | {said} |")
            continue
        plain = r[f"{which}_by_kind_plain"][kind]
        bm25 = r[f"{which}_by_kind_bm25"][kind]
        both = (f"{mixed['recall@1']:.2f} / {mixed['recall@5']:.2f} / {mixed['mrr@10']:.3f}"
                if "recall@5" in mixed else "(no semantic extra)")  # fmt: skip
        one = alone.get(kind, {})
        one_text = f"{one['recall@5']:.2f} / {one['mrr@10']:.3f}" if "recall@5" in one else "-"
        lines.append(
            f"| {kind} | {row['n']} | {row['recall@1']:.2f} / {row['recall@5']:.2f} / "
            f"{row['mrr@10']:.3f} | {plain['recall@5']:.2f} / {plain['mrr@10']:.3f} "
            f"| {bm25['recall@5']:.2f} / {bm25['mrr@10']:.3f} | {one_text} | {both} | {said} |"
        )
    return lines


def _quality_row(label: str, q: dict[str, Any]) -> str:
    return f"| {label} | {q['n']} | {q['recall@1']:.2f} | {q['recall@5']:.2f} | {q['mrr@10']:.3f} |"


def main() -> int:
    results = run()
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "catalog.json").write_text(json.dumps(results, indent=2))
    table = render(results)
    (out / "catalog.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
