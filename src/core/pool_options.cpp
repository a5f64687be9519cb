#include "core/pool_options.hpp"

#include "support/options.hpp"

namespace lockdep {

void apply_pool_options() {
  const options &o = current_options();
  set_pool_limit(pool::classes, o.max_classes);
  set_pool_limit(pool::dependencies, o.max_dependencies);
}

const char *pool_option_name(pool p) {
  switch (p) {
    case pool::classes:
      return "max_classes";
    case pool::dependencies:
      return "max_dependencies";
    default:
      return nullptr;
  }
}

}  // namespace lockdep
