package dev.vigil.inject.core;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Inserts one call at the start of each hooked method: {@code Dispatch.enter(hookId, this or null,
 * new Object[] {arguments})}. No branch and no new local, so the method's stack map frames stay valid
 * as they are; a block is the dispatcher throwing. A class it cannot rewrite is left as it was and
 * counted.
 */
final class HookTransformer implements ClassFileTransformer {
    private static final String DISPATCH = "dev/vigil/inject/boot/Dispatch";
    private final Map<String, List<Hook>> byClass = new HashMap<String, List<Hook>>();
    final AtomicLong failed = new AtomicLong();
    volatile String lastFailure = "";

    HookTransformer(List<Hook> hooks) {
        for (Hook h : hooks) {
            List<Hook> l = byClass.get(h.owner);
            if (l == null) {
                l = new java.util.ArrayList<Hook>();
                byClass.put(h.owner, l);
            }
            l.add(h);
        }
    }

    boolean wants(String internalName) {
        return byClass.containsKey(internalName);
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain pd, byte[] bytes) {
        final List<Hook> hooks = className == null ? null : byClass.get(className);
        if (hooks == null) {
            return null;
        }
        try {
            ClassReader reader = new ClassReader(bytes);
            ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
            final boolean[] changed = new boolean[1];
            reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                    MethodVisitor mv = super.visitMethod(access, name, desc, signature, exceptions);
                    if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
                        return mv;
                    }
                    for (Hook h : hooks) {
                        if (h.method.equals(name) && h.desc.equals(desc)) {
                            changed[0] = true;
                            return new Entry(mv, h.id, (access & Opcodes.ACC_STATIC) != 0, desc);
                        }
                    }
                    return mv;
                }
            }, 0);
            return changed[0] ? writer.toByteArray() : null;
        } catch (Throwable t) {
            failed.incrementAndGet();
            lastFailure = className + ": " + t;
            return null;
        }
    }

    /** The call inserted before a method's first instruction. */
    private static final class Entry extends MethodVisitor {
        private final int hook;
        private final boolean isStatic;
        private final Type[] args;

        Entry(MethodVisitor mv, int hook, boolean isStatic, String desc) {
            super(Opcodes.ASM9, mv);
            this.hook = hook;
            this.isStatic = isStatic;
            this.args = Type.getArgumentTypes(desc);
        }

        @Override
        public void visitCode() {
            super.visitCode();
            push(hook);
            if (isStatic) {
                visitInsn(Opcodes.ACONST_NULL);
            } else {
                visitVarInsn(Opcodes.ALOAD, 0);
            }
            push(args.length);
            visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Object");
            int slot = isStatic ? 0 : 1;
            for (int i = 0; i < args.length; i++) {
                visitInsn(Opcodes.DUP);
                push(i);
                visitVarInsn(args[i].getOpcode(Opcodes.ILOAD), slot);
                box(args[i]);
                visitInsn(Opcodes.AASTORE);
                slot += args[i].getSize();
            }
            visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCH, "enter", "(ILjava/lang/Object;[Ljava/lang/Object;)V", false);
        }

        private void push(int n) {
            if (n <= 5) {
                visitInsn(Opcodes.ICONST_0 + n);
            } else {
                visitIntInsn(Opcodes.BIPUSH, n);
            }
        }

        private void box(Type t) {
            String owner;
            switch (t.getSort()) {
                case Type.BOOLEAN: owner = "java/lang/Boolean"; break;
                case Type.BYTE: owner = "java/lang/Byte"; break;
                case Type.CHAR: owner = "java/lang/Character"; break;
                case Type.SHORT: owner = "java/lang/Short"; break;
                case Type.INT: owner = "java/lang/Integer"; break;
                case Type.LONG: owner = "java/lang/Long"; break;
                case Type.FLOAT: owner = "java/lang/Float"; break;
                case Type.DOUBLE: owner = "java/lang/Double"; break;
                default: return;
            }
            visitMethodInsn(Opcodes.INVOKESTATIC, owner, "valueOf", "(" + t.getDescriptor() + ")L" + owner + ";", false);
        }
    }
}
