// Documents that must be refused: each refusal names the field by its JSON
// path, gives the documented errno, and leaves the output state untouched.
#include <cjson/cJSON.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <cstring>
#include <functional>
#include <string>

#include "tests/migration/state_builder.h"

namespace {

// The e1000e (4 KiB space, MSI, MSI-X, INTx, extended caps, 64-bit and I/O
// BARs) with device data: every section of the document is populated.
std::string BaseDocument() {
  StatePtr st = StateFromFixture("qemu-emulated/8086-10d3-0000_00_05.0", 2);
  EXPECT_NE(st, nullptr);
  EXPECT_TRUE(st->has_msi && st->has_msix && st->has_intx);
  return st ? Write(*st) : std::string();
}

// The document after `edit` changed its tree.
std::string Edit(const std::string &json,
                 const std::function<void(cJSON *)> &edit) {
  cJSON *root = cJSON_ParseWithLength(json.data(), json.size());
  EXPECT_NE(root, nullptr);
  if (!root) return std::string();
  edit(root);
  char *out = cJSON_PrintUnformatted(root);
  std::string s(out);
  free(out);
  cJSON_Delete(root);
  return s;
}

cJSON *Path(cJSON *root, std::initializer_list<const char *> keys) {
  cJSON *o = root;
  for (const char *k : keys) o = cJSON_GetObjectItemCaseSensitive(o, k);
  EXPECT_NE(o, nullptr);
  return o;
}

void Set(cJSON *obj, const char *key, cJSON *value) {
  ASSERT_TRUE(cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value)) << key;
}

struct Refusal {
  int rc;
  std::string err;
  bool untouched;
};

// Parse into a state pre-filled with a pattern; report whether the pattern
// survived.
Refusal Parse(const std::string &json) {
  StatePtr st = NewState();
  memset(st.get(), 0x5a, sizeof(*st));
  StatePtr pattern = NewState();
  memset(pattern.get(), 0x5a, sizeof(*pattern));
  char err[VMPCI__SNAPSHOT_ERR_MAX] = "";
  int rc = vmpci__snapshot_parse(json.data(), json.size(), st.get(), err,
                                sizeof(err));
  bool untouched = memcmp(st.get(), pattern.get(), sizeof(*st)) == 0;
  if (!untouched) free(st->vfio.data);
  // The pattern is no heap pointer: clear it before the deleters run.
  memset(st.get(), 0, sizeof(*st));
  memset(pattern.get(), 0, sizeof(*pattern));
  return {rc, err, untouched};
}

#define EXPECT_REFUSED(json, errno_, text)                         \
  do {                                                             \
    Refusal r_ = Parse(json);                                      \
    EXPECT_EQ(r_.rc, errno_) << r_.err;                            \
    EXPECT_EQ(r_.err.rfind(text, 0), 0u)                           \
        << "message \"" << r_.err << "\" should start with " << text; \
    EXPECT_TRUE(r_.untouched);                                     \
  } while (0)

TEST(SnapshotRejectTest, BaseDocumentIsAccepted) {
  Refusal r = Parse(BaseDocument());
  EXPECT_EQ(r.rc, 0) << r.err;
}

TEST(SnapshotRejectTest, TruncatedDocumentNamesTheFieldItEndsIn) {
  std::string json = BaseDocument();
  size_t at = json.find("\"entries\":[") + 60;
  EXPECT_REFUSED(json.substr(0, at), -EINVAL, "msix.entries[");
  Refusal r = Parse(json.substr(0, at));
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
}

TEST(SnapshotRejectTest, EveryTruncationIsRefusedUntouched) {
  std::string json = BaseDocument();
  for (size_t len = 0; len < json.size(); len += 251) {
    Refusal r = Parse(json.substr(0, len));
    EXPECT_EQ(r.rc, -EINVAL) << len;
    EXPECT_TRUE(r.untouched) << len;
    EXPECT_FALSE(r.err.empty()) << len;
  }
}

TEST(SnapshotRejectTest, EmptyInputIsNotADocument) {
  EXPECT_REFUSED(std::string(), -EINVAL, "document: not valid JSON at byte 0");
}

TEST(SnapshotRejectTest, SyntaxErrorNamesFieldLineAndColumn) {
  std::string json = BaseDocument();
  size_t at = json.find("\"devid\":") + 8;
  json.insert(at, "x");
  Refusal r = Parse(json);
  EXPECT_EQ(r.rc, -EINVAL);
  EXPECT_EQ(r.err.rfind("options.devid: not valid JSON at byte", 0), 0u)
      << r.err;
  EXPECT_TRUE(r.untouched);
}

TEST(SnapshotRejectTest, TrailingDataAfterTheDocumentIsRefused) {
  EXPECT_REFUSED(BaseDocument() + " {}", -EINVAL,
                 "document: unexpected data at byte");
}

// Key order carries no meaning: every object reversed reads the same.
void Reverse(cJSON *item) {
  if (!cJSON_IsObject(item) && !cJSON_IsArray(item)) return;
  for (cJSON *c = item->child; c; c = c->next) Reverse(c);
  if (!cJSON_IsObject(item)) return;
  cJSON *reversed = nullptr;
  while (item->child) {
    cJSON *c = cJSON_DetachItemViaPointer(item, item->child);
    c->next = reversed;
    reversed = c;
  }
  // Re-attach in the new order.
  while (reversed) {
    cJSON *next = reversed->next;
    reversed->next = reversed->prev = nullptr;
    cJSON_AddItemToArray(item, reversed);  // keeps the key in ->string
    reversed = next;
  }
}

TEST(SnapshotRejectTest, ReorderedKeysReadTheSameState) {
  std::string json = BaseDocument();
  std::string reordered = Edit(json, Reverse);
  ASSERT_NE(reordered, json);
  EXPECT_EQ(reordered.rfind("{\"vfio_migration\":", 0), 0u);
  StatePtr a = NewState(), b = NewState();
  ASSERT_EQ(vmpci__snapshot_parse(json.data(), json.size(), a.get(), nullptr, 0),
            0);
  char err[VMPCI__SNAPSHOT_ERR_MAX] = "";
  ASSERT_EQ(vmpci__snapshot_parse(reordered.data(), reordered.size(), b.get(),
                                 err, sizeof(err)),
            0)
      << err;
  EXPECT_TRUE(StatesEqual(*a, *b));
}

TEST(SnapshotRejectTest, WrongFormatNameIsEPROTO) {
  EXPECT_REFUSED(Edit(BaseDocument(),
                      [](cJSON *r) {
                        Set(r, "format", cJSON_CreateString("qemu-vfio"));
                      }),
                 -EPROTO, "format: \"qemu-vfio\" is not \"vmpci-snapshot\"");
}

TEST(SnapshotRejectTest, MissingFormatIsEPROTO) {
  EXPECT_REFUSED(
      Edit(BaseDocument(),
           [](cJSON *r) { cJSON_DeleteItemFromObjectCaseSensitive(r, "format"); }),
      -EPROTO, "format: missing");
}

TEST(SnapshotRejectTest, UnknownVersionIsEPROTOEvenWithUnknownFields) {
  EXPECT_REFUSED(Edit(BaseDocument(),
                      [](cJSON *r) {
                        Set(r, "version", cJSON_CreateNumber(3));
                        cJSON_AddItemToObject(r, "vfio_user", cJSON_CreateNull());
                      }),
                 -EPROTO, "version: 3 is not supported");
}

TEST(SnapshotRejectTest, VersionAsStringIsEPROTO) {
  EXPECT_REFUSED(Edit(BaseDocument(),
                      [](cJSON *r) {
                        Set(r, "version", cJSON_CreateString("2"));
                      }),
                 -EPROTO, "version: a string, expected the number 2");
}

TEST(SnapshotRejectTest, Version1DocumentWithRegistersIsRefused) {
  EXPECT_REFUSED(Edit(BaseDocument(),
                      [](cJSON *r) { Set(r, "version", cJSON_CreateNumber(1)); }),
                 -EINVAL, "registers: not part of a version 1 document");
}

TEST(SnapshotRejectTest, Version2DocumentWithoutRegistersIsRefused) {
  EXPECT_REFUSED(Edit(BaseDocument(),
                      [](cJSON *r) {
                        cJSON_DeleteItemFromObjectCaseSensitive(r, "registers");
                      }),
                 -EINVAL, "registers: missing");
}

TEST(SnapshotRejectTest, DocumentThatIsNotAnObjectIsRefused) {
  EXPECT_REFUSED(std::string("[1,2]"), -EINVAL,
                 "document: expected an object, got an array");
}

struct Case {
  const char *name;
  std::function<void(cJSON *)> edit;
  const char *message;  // start of the expected error
};

class FieldRefusal : public testing::TestWithParam<Case> {};

TEST_P(FieldRefusal, NamesTheFieldAndLeavesTheStateUntouched) {
  EXPECT_REFUSED(Edit(BaseDocument(), GetParam().edit), -EINVAL,
                 GetParam().message);
}

cJSON *Entries(cJSON *r) { return Path(r, {"msix", "entries"}); }
cJSON *Bar(cJSON *r, int i) {
  return cJSON_GetArrayItem(Path(r, {"bars"}), i);
}

// Where the image's MSI capability keeps Message Control.
unsigned MsiControlOffset(cJSON *r) {
  cJSON *cap;
  cJSON_ArrayForEach(cap, Path(r, {"config", "caps"})) {
    if (std::string(cJSON_GetObjectItem(cap, "id")->valuestring) == "0x5")
      return std::stoul(cJSON_GetObjectItem(cap, "offset")->valuestring,
                        nullptr, 16) + 2;
  }
  ADD_FAILURE() << "no MSI capability";
  return 0;
}

// Rewrite the 16-bit register at `offset` of config.image.
void SetImageWord(cJSON *r, unsigned offset, uint16_t value) {
  cJSON *c = Path(r, {"config"});
  std::string img = cJSON_GetObjectItem(c, "image")->valuestring;
  char hex[5];
  snprintf(hex, sizeof(hex), "%02x%02x", value & 0xff, value >> 8);
  img.replace(offset * 2, 4, hex);
  Set(c, "image", cJSON_CreateString(img.c_str()));
}

cJSON *Cap(cJSON *r, int i) {
  return cJSON_GetArrayItem(Path(r, {"config", "caps"}), i);
}

// A "registers" section with these pm_control and device_control (JSON).
cJSON *Registers(const char *pm_control, const char *device_control) {
  std::string json = std::string("{\"cache_line_size\":\"0x0\",") +
                     "\"latency_timer\":\"0x0\",\"pm_control\":" +
                     pm_control + ",\"device_control\":" + device_control +
                     "}";
  return cJSON_Parse(json.c_str());
}

const Case kCases[] = {
    // Wrong types.
    {"VendorAsNumber",
     [](cJSON *r) { Set(Path(r, {"identity"}), "vendor", cJSON_CreateNumber(0x8086)); },
     "identity.vendor: expected a hex string like \"0x1f\", got a number"},
    {"NrEntriesAsString",
     [](cJSON *r) { Set(Path(r, {"msix"}), "nr_entries", cJSON_CreateString("5")); },
     "msix.nr_entries: expected a number, got a string"},
    {"IntxEnabledAsString",
     [](cJSON *r) { Set(Path(r, {"intx"}), "enabled", cJSON_CreateString("yes")); },
     "intx.enabled: expected true or false, got a string"},
    {"EntryAsNumber",
     [](cJSON *r) { cJSON_ReplaceItemInArray(Entries(r), 3, cJSON_CreateNumber(1)); },
     "msix.entries[3]: expected a string \"0xADDRESS 0xDATA 0xCONTROL\", got a number"},
    {"BarsAsObject",
     [](cJSON *r) { Set(r, "bars", cJSON_CreateObject()); },
     "bars: expected an array, got an object"},
    {"ConfigAsArray",
     [](cJSON *r) { Set(r, "config", cJSON_CreateArray()); },
     "config: expected an object, got an array"},
    {"MsiAsBoolean",
     [](cJSON *r) { Set(r, "msi", cJSON_CreateFalse()); },
     "msi: expected null or an object, got a boolean"},
    {"HexWithoutPrefix",
     [](cJSON *r) { Set(Path(r, {"options"}), "devid", cJSON_CreateString("18")); },
     "options.devid: \"18\" is not \"0x\" and 1-16 hex digits"},
    {"CapLengthFractional",
     [](cJSON *r) {
       Set(cJSON_GetArrayItem(Path(r, {"config", "caps"}), 0), "length",
           cJSON_CreateNumber(2.5));
     },
     "config.caps[0].length: 2.5 is not an integer"},
    {"EntryDataNotHex",
     [](cJSON *r) {
       cJSON_ReplaceItemInArray(Entries(r), 3,
                                cJSON_CreateString("0xfee00000 0xzz 0x0"));
     },
     "msix.entries[3].data: \"0xzz\" is not \"0x\" and 1-16 hex digits"},
    {"EntryWithTwoValues",
     [](cJSON *r) {
       cJSON_ReplaceItemInArray(Entries(r), 3, cJSON_CreateString("0xfee00000 0x1"));
     },
     "msix.entries[3]: expected three values"},
    {"DeviceDataNotBase64",
     [](cJSON *r) { Set(Path(r, {"vfio_migration"}), "data", cJSON_CreateString("ab$d")); },
     "vfio_migration.data: not base64 (character 2 of 4)"},
    // Missing fields.
    {"MissingDevice",
     [](cJSON *r) { cJSON_DeleteItemFromObject(Path(r, {"identity"}), "device"); },
     "identity.device: missing"},
    {"MissingMsi",
     [](cJSON *r) { cJSON_DeleteItemFromObject(r, "msi"); },
     "msi: missing (null when the function has none)"},
    {"MissingPba",
     [](cJSON *r) { cJSON_DeleteItemFromObject(Path(r, {"msix"}), "pba"); },
     "msix.pba: missing"},
    {"MissingBarPlaced",
     [](cJSON *r) { cJSON_DeleteItemFromObject(Bar(r, 1), "placed"); },
     "bars[1].placed: missing"},
    {"MissingDeviceData",
     [](cJSON *r) { cJSON_DeleteItemFromObject(Path(r, {"vfio_migration"}), "data"); },
     "vfio_migration.data: missing"},
    {"MissingConfigImage",
     [](cJSON *r) { cJSON_DeleteItemFromObject(Path(r, {"config"}), "image"); },
     "config.image: missing"},
    // Unknown and repeated fields.
    {"UnknownField",
     [](cJSON *r) { cJSON_AddItemToObject(Path(r, {"intx"}), "level", cJSON_CreateTrue()); },
     "intx.level: unknown field"},
    {"RepeatedField",
     [](cJSON *r) { cJSON_AddItemToObject(Path(r, {"msi"}), "data", cJSON_CreateString("0x1")); },
     "msi.data: repeated field"},
    {"DeviceDataWhenUnsupported",
     [](cJSON *r) { Set(Path(r, {"vfio_migration"}), "supported", cJSON_CreateFalse()); },
     "vfio_migration.data: present, but supported is false"},
    // Out of range.
    {"VendorTooWide",
     [](cJSON *r) { Set(Path(r, {"identity"}), "vendor", cJSON_CreateString("0x18086")); },
     "identity.vendor: 0x18086 is out of range (at most 0xffff)"},
    {"ConfigSizeNotAPciSize",
     [](cJSON *r) { Set(Path(r, {"identity"}), "config_size", cJSON_CreateNumber(512)); },
     "identity.config_size: must be 256 or 4096"},
    {"NrEntriesPast2048",
     [](cJSON *r) { Set(Path(r, {"msix"}), "nr_entries", cJSON_CreateNumber(2049)); },
     "msix.nr_entries: 2049 is out of range [1, 2048]"},
    {"EntryDataPast32Bits",
     [](cJSON *r) {
       cJSON_ReplaceItemInArray(Entries(r), 3,
                                cJSON_CreateString("0xfee00000 0x100000000 0x0"));
     },
     "msix.entries[3].data: 0x100000000 is out of range (at most 0xffffffff)"},
    {"NoMmapBarsPastTheRom",
     [](cJSON *r) { Set(Path(r, {"options"}), "no_mmap_bars", cJSON_CreateString("0x80")); },
     "options.no_mmap_bars: 0x80 names BARs past 6"},
    {"BarIndexPastTheRom",
     [](cJSON *r) { Set(Bar(r, 0), "index", cJSON_CreateNumber(7)); },
     "bars[0].index: 7 is out of range [0, 6]"},
    // Internal consistency.
    {"ImageShorterThanConfigSize",
     [](cJSON *r) {
       cJSON *c = Path(r, {"config"});
       std::string img = cJSON_GetObjectItem(c, "image")->valuestring;
       Set(c, "image", cJSON_CreateString(img.substr(2).c_str()));
     },
     "config.image: 8190 hex digits, expected 8192"},
    {"ImageDisagreesWithIdentity",
     [](cJSON *r) { Set(Path(r, {"identity"}), "device", cJSON_CreateString("0x10d4")); },
     "identity.device: 0x10d4, but config.image has 0x10d3 at 0x02"},
    {"BarSizeNotAPowerOfTwo",
     [](cJSON *r) { Set(Bar(r, 0), "size", cJSON_CreateString("0x30000")); },
     "bars[0].size: 0x30000 is not a power of two"},
    {"BarAddressMisaligned",
     [](cJSON *r) { Set(Bar(r, 0), "address", cJSON_CreateString("0xfebc1000")); },
     "bars[0].address: 0xfebc1000 is not aligned to the size 0x20000"},
    {"BarsOutOfOrder",
     [](cJSON *r) { Set(Bar(r, 1), "index", cJSON_CreateNumber(0)); },
     "bars[1].index: BARs are listed once each, in ascending index order"},
    {"UpperHalfOf64BitBarListed",
     [](cJSON *r) {
       Set(Bar(r, 0), "type", cJSON_CreateString("mem64"));
     },
     "bars[0]: BAR 1 is the upper half of this 64-bit BAR, not a BAR of its own"},
    {"BarTypeDisagreesWithRegister",
     [](cJSON *r) { Set(Bar(r, 0), "prefetch", cJSON_CreateTrue()); },
     "bars[0].type: its register at 0x10 in image has type bits 0x0, expected 0x8"},
    {"RomTypeAtBarZero",
     [](cJSON *r) { Set(Bar(r, 0), "type", cJSON_CreateString("rom")); },
     "bars[0].type: the expansion ROM is BAR 6 and nothing else"},
    {"CapPastTheConfigSpace",
     [](cJSON *r) {
       cJSON *caps = Path(r, {"config", "caps"});
       Set(cJSON_GetArrayItem(caps, cJSON_GetArraySize(caps) - 1), "length",
           cJSON_CreateNumber(4000));
     },
     "config.caps["},
    {"CapOffsetMisaligned",
     [](cJSON *r) {
       Set(cJSON_GetArrayItem(Path(r, {"config", "caps"}), 0), "offset",
           cJSON_CreateString("0xc9"));
     },
     "config.caps[0].offset: 0xc9 is not dword aligned"},
    {"UnknownCapFlag",
     [](cJSON *r) {
       cJSON_AddItemToArray(
           Path(r, {"config", "caps"})->child->child->next->next->next,
           cJSON_CreateString("secret"));
     },
     "config.caps[0].flags[1]: expected \"extended\", \"hidden\" or \"virtual\""},
    {"EntriesDisagreeWithNrEntries",
     [](cJSON *r) { cJSON_DeleteItemFromArray(Entries(r), 4); },
     "msix.entries: the number of entries differs from nr_entries"},
    {"ControlDisagreesWithTheTableSize",
     [](cJSON *r) { Set(Path(r, {"msix"}), "control", cJSON_CreateString("0x3")); },
     "msix.control: 0x0003, but the capability's read-only bits are 0x0004"},
    {"NrEntriesDisagreesWithTheCapability",
     [](cJSON *r) {
       Set(Path(r, {"msix"}), "nr_entries", cJSON_CreateNumber(4));
       cJSON_DeleteItemFromArray(Entries(r), 4);
     },
     "msix.nr_entries: 4, but the capability's table has 5"},
    {"EntryAddressReservedBits",
     [](cJSON *r) {
       cJSON_ReplaceItemInArray(Entries(r), 3, cJSON_CreateString("0xfee00001 0x0 0x0"));
     },
     "msix.entries[3].address: 0xfee00001 has reserved bits 1:0 set"},
    {"EntryControlReservedBits",
     [](cJSON *r) {
       cJSON_ReplaceItemInArray(Entries(r), 3, cJSON_CreateString("0xfee00000 0x0 0x2"));
     },
     "msix.entries[3].control: 0x2 has reserved bits 31:1 set"},
    {"PbaPastTheTable",
     [](cJSON *r) {
       cJSON_ReplaceItemInArray(Path(r, {"msix", "pba"}), 0,
                                cJSON_CreateString("0x20"));
     },
     "msix.pba[0]: 0x20 names vectors past the table's 5 entries"},
    {"MsiEnableBeyondCapable",
     [](cJSON *r) { Set(Path(r, {"msi"}), "control", cJSON_CreateString("0x90")); },
     "msi.control: Multiple Message Enable 1 exceeds Multiple Message Capable 0"},
    {"MsiAddressPast32Bits",
     [](cJSON *r) {
       Set(Path(r, {"msi"}), "control", cJSON_CreateString("0x0"));
       SetImageWord(r, MsiControlOffset(r), 0);
     },
     "msi.address: 0x1fee02000 needs 64 bits, the capability has 32"},
    {"MsiMaskWithoutPerVectorMasking",
     [](cJSON *r) { Set(Path(r, {"msi"}), "mask", cJSON_CreateString("0x1")); },
     "msi.mask: 0x1 names vectors the capability lacks (valid 0x0)"},
    {"MsiAddressMisaligned",
     [](cJSON *r) { Set(Path(r, {"msi"}), "address", cJSON_CreateString("0xfee02001")); },
     "msi.address: 0xfee02001 is not dword aligned"},
    {"MsiPendingWithoutPerVectorMasking",
     [](cJSON *r) { Set(Path(r, {"msi"}), "pending", cJSON_CreateString("0x1")); },
     "msi.pending: 0x1 names vectors the capability lacks (valid 0x0)"},
    {"CapIdTooWide",
     [](cJSON *r) { Set(Cap(r, 1), "id", cJSON_CreateString("0x105")); },
     "config.caps[1].id: 0x105 is too wide for a standard capability"},
    {"CapShorterThanItsHeader",
     [](cJSON *r) { Set(Cap(r, 1), "length", cJSON_CreateNumber(1)); },
     "config.caps[1].length: 1 is shorter than its header"},
    {"CapsOverlap",
     [](cJSON *r) { Set(Cap(r, 2), "offset", cJSON_CreateString("0xd4")); },
     "config.caps[2]: overlaps caps[1] at 0xd4"},
    {"HiddenCapNotEmulatedZeros",
     [](cJSON *r) { SetImageWord(r, 0xc8, 0x0001); },
     "config.caps[0]: hidden, but byte 0xc8 is not an emulated read-only zero"},
    {"ImageListSkipsACap",
     [](cJSON *r) { SetImageWord(r, PCI_CAPABILITY_LIST, 0x00e0); },
     "config.image: the standard capability list has 0xe0 where caps[1] (id 0x5 at 0xd0) belongs"},
    {"IoBarTooSmall",
     [](cJSON *r) { Set(Bar(r, 2), "size", cJSON_CreateString("0x2")); },
     "bars[2].size: 0x2 is outside [0x4, 0x80000000] for this type"},
    {"IoBarPrefetchable",
     [](cJSON *r) { Set(Bar(r, 2), "prefetch", cJSON_CreateTrue()); },
     "bars[2].prefetch: only memory BARs are prefetchable"},
    {"Mem32BarPast4GiB",
     [](cJSON *r) { Set(Bar(r, 0), "address", cJSON_CreateString("0x100000000")); },
     "bars[0].address: 0x100000000 + 0x20000 is past 4 GiB for a 32-bit BAR"},
    {"RegistersInitiateFlr",
     [](cJSON *r) { Set(r, "registers", Registers("null", "\"0x8000\"")); },
     "registers.device_control: 0x8000 has Initiate FLR set"},
    {"RegistersPmeStatus",
     [](cJSON *r) { Set(r, "registers", Registers("\"0x8000\"", "null")); },
     "registers.pm_control: 0x8000 has PME Status set"},
    {"RegistersOfAHiddenPmCapability",
     [](cJSON *r) { Set(r, "registers", Registers("\"0x0\"", "null")); },
     "registers.pm_control: config.caps has no visible PM capability"},
    {"PageSizeNotAPowerOfTwo",
     [](cJSON *r) { Set(Path(r, {"options"}), "page_size", cJSON_CreateString("0x3000")); },
     "options.page_size: 0x3000 is not a power of two >= 0x1000"},
    {"NameTooLong",
     [](cJSON *r) {
       Set(Path(r, {"identity"}), "name", cJSON_CreateString(std::string(64, 'n').c_str()));
     },
     "identity.name: longer than 63 bytes"},
};

INSTANTIATE_TEST_SUITE_P(
    Documents, FieldRefusal, testing::ValuesIn(kCases),
    [](const testing::TestParamInfo<Case> &info) { return info.param.name; });

}  // namespace
