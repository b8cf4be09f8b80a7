"""Taking data in and out: importers, entity resolution, merging and graph export (docs/importing.md).

- :mod:`.tabular`: ``import_table`` streams a CSV or Parquet file through a declarative mapping
  (:mod:`.mapping`) into a dataset folder, with :mod:`.normalise` (dates, amounts, countries, slugs) and
  :mod:`.places` (city, region and country to a place of a base dataset);
- :mod:`.wikidata`: ``import_wikidata`` imports the organisations of a municipality from Wikidata;
- :mod:`.dedupe`: ``propose``, ``apply`` and ``undo`` for actors that are the same organisation;
- :mod:`.merge`: ``merge_datasets`` adds an import to a curated dataset (curated wins);
- :mod:`.graph_export`: ``export_graph`` writes GEXF, GraphML, CSV or FollowTheMoney entities;
- :mod:`.records` and :mod:`.target`: the records and files of a dataset folder these share.

The submodules are imported on use, so ``import stackatlas`` stays light.
"""

from __future__ import annotations

__all__ = ["dedupe", "graph_export", "mapping", "merge", "normalise", "places", "records", "tabular", "target",
           "wikidata"]
