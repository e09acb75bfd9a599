//! OpenAPI 3 import (to be written).
