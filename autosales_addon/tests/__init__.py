from . import test_smoke
from . import test_smoke_tour
