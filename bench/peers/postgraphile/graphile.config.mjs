// PostGraphile 5 as its users set it up, for the bench's peers scenario (bench/scenarios/peers.py):
// the Amber preset and the connection-filter plugin, its relations on (so an order can be
// filtered by its customer and its lines), in production mode (no GraphiQL, no explain, no watch).
// The connection, schema, host and port come from the command line.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  schema: {
    connectionFilterRelations: true,
  },
  grafserv: {
    graphiql: false,
    watch: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
