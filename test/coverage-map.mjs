// tap's 100% coverage gate applies to the published code: the core and the plugin.
// Demo, bench and test helpers are exercised but not gated.
export default function coverageMap () {
  return ['lib/', 'plugin/']
}
