package dev.vigil.integrity;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Loaded modules seen three ways: /proc/modules (the kernel's module list), /sys/module/NAME with an
 * initstate file (module_kset: loaded modules, where built-in ones have none), and the "[NAME]"
 * column of kallsyms. A rootkit that unlinks itself from the module list (list_del of THIS_MODULE,
 * as Diamorphine and Reptile do) leaves it in the others unless it also deletes its kobject and
 * symbols; what one view has and /proc/modules lacks is hidden. A kernel built without modules has
 * nothing to hide this way, and says so.
 */
final class HiddenModules {
    private HiddenModules() {}

    static List<Finding> compare(Set<String> procModules, Set<String> sysModules, Set<String> kallsymsModules) {
        List<Finding> out = new ArrayList<>();
        for (String m : sysModules) {
            if (!procModules.contains(m)) {
                out.add(Finding.kernel(IntegrityCheck.HIDDEN_MODULES, m, 0, "module " + m, "module " + m + " is in /sys/module but not in /proc/modules"));
            }
        }
        for (String m : kallsymsModules) {
            if (!procModules.contains(m) && !sysModules.contains(m)) {
                out.add(Finding.kernel(IntegrityCheck.HIDDEN_MODULES, m, 0, "module " + m, "module " + m + " has symbols in kallsyms but is not in /proc/modules"));
            }
        }
        return out;
    }
}
