import ClearanceCore
import GRDB
