"""Types and pure rules: nothing here touches a database, the network, the clock or the
environment beyond the settings (storage/ holds the read model's engine, migrations and reads).

Two loaders stay: `regions.load_regions` and `guidelines.default_guideline` read data shipped
inside this package (`models/data/`), fixed for a build like a constant, which the routing rules
and the workflow input need wherever they run; moving them would split the guideline schema
from its shipped versions for no gain in purity.
"""
