// env_probe: checks, from inside the guest, the contract run-in-guest.sh
// gives every guest test, with a program built the way the project's guest
// tests are (Bazel cc_binary, libstdc++ and libcjson linked dynamically), so
// a pass also proves the shared-library closure reached the guest. One
// PASS/FAIL line per check, then "N passed, M failed"; exits 1 on failure.
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Tally {
	unsigned passed = 0, failed = 0;

	void check(bool ok, const std::string &what)
	{
		std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
		(ok ? passed : failed)++;
	}
};

std::vector<std::string> words(const char *env)
{
	std::vector<std::string> out;
	std::istringstream in(std::getenv(env) ? std::getenv(env) : "");
	for (std::string w; in >> w;)
		out.push_back(w);
	return out;
}

std::string link_name(const std::string &path)
{
	char buf[4096];
	ssize_t n = readlink(path.c_str(), buf, sizeof(buf) - 1);
	if (n < 0)
		return "";
	std::string target(buf, static_cast<size_t>(n));
	return target.substr(target.rfind('/') + 1);
}

bool mapped(const std::string &library)
{
	std::ifstream maps("/proc/self/maps");
	for (std::string line; std::getline(maps, line);)
		if (line.find("/" + library) != std::string::npos)
			return true;
	return false;
}

// The device list as the JSON document a VMM config would carry, parsed
// back: exercises libcjson in both directions.
bool cjson_round_trip(const std::vector<std::string> &bdfs, const std::vector<std::string> &types)
{
	cJSON *doc = cJSON_CreateArray();
	for (size_t i = 0; i < bdfs.size() && i < types.size(); i++) {
		cJSON *dev = cJSON_CreateObject();
		cJSON_AddStringToObject(dev, "bdf", bdfs[i].c_str());
		cJSON_AddStringToObject(dev, "type", types[i].c_str());
		cJSON_AddItemToArray(doc, dev);
	}
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	cJSON *parsed = text ? cJSON_Parse(text) : nullptr;
	bool ok = parsed && static_cast<size_t>(cJSON_GetArraySize(parsed)) == bdfs.size();
	for (size_t i = 0; ok && i < bdfs.size(); i++) {
		const cJSON *dev = cJSON_GetArrayItem(parsed, static_cast<int>(i));
		const cJSON *bdf = cJSON_GetObjectItem(dev, "bdf"), *type = cJSON_GetObjectItem(dev, "type");
		ok = cJSON_IsString(bdf) && bdfs[i] == bdf->valuestring && cJSON_IsString(type) &&
		     types[i] == type->valuestring;
	}
	std::printf("devices as JSON: %s\n", text ? text : "(null)");
	cJSON_Delete(parsed);
	cJSON_free(text);
	return ok;
}

}  // namespace

int main()
{
	std::setvbuf(stdout, nullptr, _IOLBF, 0);
	Tally t;
	const std::vector<std::string> bdfs = words("VFIO_BDFS"), types = words("VFIO_DEVICES");

	t.check(geteuid() == 0, "runs as root");
	t.check(mapped("libstdc++.so.6"), "libstdc++.so.6 loaded from the guest's copy");
	t.check(mapped("libcjson.so.1"), "libcjson.so.1 loaded from the guest's copy");
	t.check(!bdfs.empty() && bdfs.size() == types.size(),
		"VFIO_BDFS has " + std::to_string(bdfs.size()) + " devices, VFIO_DEVICES " +
			std::to_string(types.size()) + " types");
	for (size_t i = 0; i < bdfs.size(); i++) {
		char want[32];
		std::snprintf(want, sizeof(want), "0000:00:%02zx.0", i + 3);
		const std::string dev = "/sys/bus/pci/devices/" + bdfs[i];
		const std::string group = link_name(dev + "/iommu_group");
		struct stat st;
		bool node = !group.empty() && stat(("/dev/vfio/" + group).c_str(), &st) == 0 &&
			    S_ISCHR(st.st_mode);

		t.check(bdfs[i] == want, "device " + std::to_string(i) + " at " + bdfs[i] + " (want " + want + ")");
		t.check(link_name(dev + "/driver") == "vfio-pci", bdfs[i] + " bound to vfio-pci");
		t.check(node, bdfs[i] + " has its group node /dev/vfio/" + group);
	}
	t.check(cjson_round_trip(bdfs, types), "the device list survives a cJSON print/parse round trip");
	std::printf("%u passed, %u failed\n", t.passed, t.failed);
	return t.failed == 0 ? 0 : 1;
}
