"""A graph runner that calls the nodes of Rasa's predict graph one after another.

Rasa 3.6 runs its model graph (NLU components, then policies) with dask's synchronous
scheduler on every message and every action prediction.  Nothing runs in parallel
there, but dask's bookkeeping (task ordering, cache and callbacks) and rebuilding the
minimal graph for the same targets each time cost about a fifth of a parse (py-spy).
This runner does what ``DaskGraphRunner.run`` does, node by node in dependency order,
with the minimal graph per set of targets computed once.  The nodes themselves are
Rasa's (``GraphNode``): same components, hooks and errors.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner


class SequentialGraphRunner(DaskGraphRunner):
    def run(
        self,
        inputs: Optional[Dict[Text, Any]] = None,
        targets: Optional[List[Text]] = None,
    ) -> Dict[Text, Any]:
        run_targets = list(targets if targets else self._graph_schema.target_names)
        schema = self._minimal_schema(tuple(run_targets))
        # Like dask: every node's output is a (node name, value) pair, and so is an input.
        outputs: Dict[Text, Tuple[Text, Any]] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure "
                    f"that none of the input names passed to the `run` method are the "
                    f"same as node names in the graph schema."
                )
            outputs[name] = (name, value)
        try:
            for name in self._order(schema, tuple(run_targets)):
                if name in outputs:  # an input given for a node's name replaces it
                    continue
                needs = schema.nodes[name].needs.values()
                # A need that is neither a node nor an input is passed as its name, as
                # dask does; the node then reports it as not resolved.
                outputs[name] = self._instantiated_nodes[name](
                    *(outputs.get(need, need) for need in needs)
                )
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(outputs[target] for target in run_targets)

    def _minimal_schema(self, targets: Tuple[Text, ...]) -> GraphSchema:
        cache = self.__dict__.setdefault("_schemas", {})
        if targets not in cache:
            cache[targets] = self._graph_schema.minimal_graph_schema(list(targets))
        return cache[targets]

    def _order(self, schema: GraphSchema, targets: Tuple[Text, ...]) -> List[Text]:
        """Nodes so that each comes after everything it needs (depth first, in the
        order the needs are declared)."""
        cache = self.__dict__.setdefault("_orders", {})
        if targets in cache:
            return cache[targets]
        order: List[Text] = []
        visiting: set = set()

        def visit(name: Text) -> None:
            if name in order or name not in schema.nodes:
                return
            if name in visiting:
                raise GraphRunError(f"The graph has a cycle through '{name}'.")
            visiting.add(name)
            for need in schema.nodes[name].needs.values():
                visit(need)
            visiting.discard(name)
            order.append(name)

        for target in targets:
            visit(target)
        cache[targets] = order
        return order
